namespace ClusterQueue.Broker.Topics;

/// <summary>Where one consumer group stands in a topic. Mutated only by <see cref="TopicState.Apply"/>.</summary>
/// <remarks>
/// A message of the group is, at any time, in exactly one of: not yet delivered (at or after
/// <see cref="NextSeq"/> and not in <see cref="Ahead"/>), leased, ready for redelivery, waiting for
/// its time (delay or nack delay), or done (acked, dead-lettered, expired, or not for this group).
/// </remarks>
/// <param name="isHeld">Whether the topic still holds a message; one it no longer holds is done for every group.</param>
public sealed class GroupState(string name, long firstSeq, Func<long, bool> isHeld)
{
    public string Name { get; } = name;

    /// <summary>Messages before this one are not for the group (it was created after them).</summary>
    public long FirstSeq { get; } = firstSeq;

    /// <summary>The next message to deliver for the first time, in publish order.</summary>
    public long NextSeq { get; set; } = firstSeq;

    /// <summary>Messages at or after <see cref="NextSeq"/> no longer awaiting first delivery in order.</summary>
    public HashSet<long> Ahead { get; } = [];

    public Dictionary<long, Lease> Leases { get; } = [];

    /// <summary>Lease expiry order, to find the expired ones without a scan.</summary>
    public SortedSet<(DateTimeOffset ExpiresAt, long Seq)> LeaseExpiries { get; } = [];

    /// <summary>Released messages to deliver again now, lowest first.</summary>
    public SortedSet<long> Ready { get; } = [];

    /// <summary>Messages not to deliver before their time: delayed publishes and delayed nacks.</summary>
    public Dictionary<long, DateTimeOffset> Waiting { get; } = [];

    public SortedSet<(DateTimeOffset Due, long Seq)> WaitingOrder { get; } = [];

    /// <summary>Deliveries so far of each message the group has not finished.</summary>
    public Dictionary<long, int> Attempts { get; } = [];

    /// <summary>
    /// Deliveries of each message that do not count toward max-deliveries: lost through no fault of
    /// the message (its consumer resubscribed, stopped or moved; the topic restarted).
    /// </summary>
    public Dictionary<long, int> Forgiven { get; } = [];

    /// <summary>Deliveries of a message that count toward max-deliveries: the failed ones, and the current.</summary>
    public int Counted(long seq) => Attempts.GetValueOrDefault(seq) - Forgiven.GetValueOrDefault(seq);

    /// <summary>Messages this group dead-lettered, for stats.</summary>
    public long DeadLettered { get; set; }

    /// <summary>Rotates which consumer is offered the next delivery, so consumers share fairly.</summary>
    public int NextConsumer { get; set; }

    public bool IsUndelivered(long seq) => seq >= NextSeq && !Ahead.Contains(seq);

    public bool IsUnfinished(long seq) =>
        seq >= FirstSeq && (IsUndelivered(seq) || Leases.ContainsKey(seq) || Ready.Contains(seq) || Waiting.ContainsKey(seq));

    /// <summary>The message no longer awaits its first delivery; the cursor moves past what is handled.</summary>
    public void Take(long seq, long topicNextSeq)
    {
        if (seq >= NextSeq)
        {
            Ahead.Add(seq);
        }

        while (NextSeq < topicNextSeq && (Ahead.Remove(NextSeq) || !isHeld(NextSeq)))
        {
            NextSeq++;
        }
    }

    public void Wait(long seq, DateTimeOffset due)
    {
        Waiting[seq] = due;
        WaitingOrder.Add((due, seq));
    }

    public void StopWaiting(long seq)
    {
        if (Waiting.Remove(seq, out var due))
        {
            WaitingOrder.Remove((due, seq));
        }
    }

    public void EndLease(long seq)
    {
        if (Leases.Remove(seq, out var lease))
        {
            LeaseExpiries.Remove((lease.ExpiresAt, seq));
        }
    }

    /// <summary>Forgets everything about a message that is done for this group.</summary>
    public void Finish(long seq)
    {
        EndLease(seq);
        Ready.Remove(seq);
        StopWaiting(seq);
        Attempts.Remove(seq);
        Forgiven.Remove(seq);
    }
}

/// <summary>A message leased to a consumer of the group until <paramref name="ExpiresAt"/>.</summary>
public sealed record Lease(string ConsumerId, DateTimeOffset ExpiresAt);

/// <summary>A live consumer of a group. Not recovered: consumers subscribe again to a restarted topic.</summary>
public sealed class ConsumerState(string group, string id, int credit, DateTimeOffset lastSeen)
{
    public string Group { get; } = group;

    public string Id { get; } = id;

    /// <summary>Most unexpired leases the consumer may hold.</summary>
    public int Credit { get; set; } = credit;

    public DateTimeOffset LastSeen { get; set; } = lastSeen;

    /// <summary>Sequence numbers the consumer holds leases on.</summary>
    public SortedSet<long> Held { get; } = [];

    public int FreeCredit => Credit - Held.Count;
}
