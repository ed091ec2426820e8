using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Topics;

/// <summary>
/// A topic's state without payloads: cursors, leases, dedup windows, and which messages it holds.
/// Its size follows what is pending, never the payload bytes; the payloads are read back from the
/// journal events that appended them.
/// </summary>
/// <param name="Held">The messages the topic holds, as ascending ranges.</param>
/// <param name="Pinned">Held messages always in memory (delayed, or for one group only).</param>
/// <param name="Producers">Each producer's remembered (producer number, sequence number) pairs, oldest first.</param>
/// <param name="MessageIds">Remembered application message ids, oldest first.</param>
/// <param name="Outbox">Dead letters not yet confirmed by the dead-letter topic.</param>
/// <param name="Replays">Dead-letter topic: messages on their way back, not yet confirmed.</param>
public sealed record TopicSnapshot(
    TopicSettings? Settings,
    long NextSeq,
    long NextDeadLetterId,
    IReadOnlyList<SequenceRange> Held,
    IReadOnlyList<long> Pinned,
    IReadOnlyList<GroupSnapshot> Groups,
    IReadOnlyList<ProducerSnapshot> Producers,
    IReadOnlyList<MessageIdSnapshot> MessageIds,
    IReadOnlyList<DeadLetter> Outbox,
    IReadOnlyList<long> Replays)
{
    /// <summary>Where the messages' append events are in the journal (the actor's, sparse), so a restore reads only what it needs.</summary>
    public IReadOnlyList<AppendPosition> Positions { get; init; } = [];

    /// <summary>
    /// Every message whose payload the restored topic needs at once: leased, to deliver again,
    /// waiting, pinned, in the outbox or replaying. The rest of the held ones are read back when a
    /// group's cursor nears them.
    /// </summary>
    public IEnumerable<long> NeededSequenceNrs =>
        Groups.SelectMany(g => g.Leases.Select(l => l.SequenceNr).Concat(g.Ready).Concat(g.Waiting.Select(w => w.SequenceNr)))
            .Concat(Pinned).Concat(Outbox.Select(l => l.SequenceNr)).Concat(Replays).Distinct().Order();
}

public sealed record GroupSnapshot(
    string Name,
    long FirstSeq,
    long NextSeq,
    IReadOnlyList<long> Ahead,
    IReadOnlyList<LeaseSnapshot> Leases,
    IReadOnlyList<long> Ready,
    IReadOnlyList<WaitSnapshot> Waiting,
    IReadOnlyList<AttemptsSnapshot> Attempts,
    long DeadLettered);

public sealed record LeaseSnapshot(long SequenceNr, string ConsumerId, DateTimeOffset ExpiresAt);

public sealed record WaitSnapshot(long SequenceNr, DateTimeOffset Due);

/// <param name="Forgiven">Of the deliveries, those that do not count toward max-deliveries.</param>
public sealed record AttemptsSnapshot(long SequenceNr, int Attempts, int Forgiven = 0);

public sealed record ProducerSnapshot(string ProducerId, IReadOnlyList<ProducerEntrySnapshot> Entries);

public sealed record ProducerEntrySnapshot(long ProducerSeq, long SequenceNr);

public sealed record MessageIdSnapshot(string MessageId, long SequenceNr);
