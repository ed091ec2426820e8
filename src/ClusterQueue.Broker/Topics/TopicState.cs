using System.Collections.ObjectModel;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Topics;

/// <summary>
/// A topic's queue logic as a deterministic state machine: <see cref="Handle"/> and <see cref="Tick"/>
/// turn a command (with the time, as a value) into events, a reply and deliveries;
/// <see cref="Apply"/> turns an event into the next state. No actors, clocks or I/O inside.
/// </summary>
/// <remarks>
/// Events are applied as soon as they are decided, so later decisions (dedup, max-length) see
/// messages accepted but not yet written. Deliveries only ever carry messages up to
/// <see cref="DurableThrough"/>: nothing is delivered before it is committed.
/// <para>
/// Bounded however deep the backlog: which messages the topic holds is a set of ranges; their
/// payloads stay in memory only where they are needed soon (see <see cref="KeepsInMemory"/>): a
/// window past each group's cursor, leases, redeliveries and delayed or single-group messages.
/// The rest stay in the journal. When a delivery, peek or replay reaches a message not in memory,
/// the output asks for it (<see cref="TopicOutput.ReadBackFrom"/>) and the actor reads it back
/// (<see cref="PageIn"/>). What is in memory changes when messages are delivered, never what the
/// state is: events alone decide that.
/// </para>
/// </remarks>
/// <param name="memoryWindow">How many messages past a group's cursor stay in memory.</param>
public sealed class TopicState(string name, int memoryWindow = TopicState.DefaultMemoryWindow)
{
    /// <summary>Messages past each group's cursor kept in memory; also how many one read-back brings.</summary>
    public const int DefaultMemoryWindow = 10_000;

    /// <summary>Most messages in one publish batch.</summary>
    public const int MaxBatch = 1000;

    /// <summary>Most (producer number → sequence number) pairs remembered per producer for retries.</summary>
    public const int ProducerWindow = 10_000;

    public const int MaxHeaders = 64;
    public const int MaxHeaderBytes = 16 * 1024;
    public const int MaxCredit = 100_000;

    /// <summary>The messages the topic holds: waiting for a group, leased, or delayed.</summary>
    private readonly SequenceRanges _held = new();

    /// <summary>The held messages whose payloads are in memory.</summary>
    private readonly SortedDictionary<long, StoredMessage> _messages = [];
    private readonly SortedIndex<string, GroupState> _groups = new(StringComparer.Ordinal);
    private readonly SortedIndex<(string Group, string Consumer), ConsumerState> _consumers = new();
    private readonly Dictionary<string, ProducerWindowState> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _messageIds = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, long Seq)> _messageIdOrder = new();
    private readonly SortedDictionary<long, (DeadLetter Letter, StoredMessage? Message)> _outbox = [];
    private readonly SortedDictionary<long, StoredMessage?> _replays = [];
    private readonly int _memoryWindow = memoryWindow >= 1
        ? memoryWindow
        : throw new ArgumentOutOfRangeException(nameof(memoryWindow), memoryWindow, "at least one message stays in memory");

    public string Name { get; } = name;

    /// <summary>Null while the topic does not exist (never created, or deleted).</summary>
    public TopicSettings? Settings { get; private set; }

    public bool IsDeadLetterTopic { get; } = TopicNames.IsDeadLetterTopic(name);

    /// <summary>The sequence number the next published message gets.</summary>
    public long NextSeq { get; private set; } = 1;

    /// <summary>Messages up to this one are committed and may be delivered.</summary>
    public long DurableThrough { get; private set; }

    public long NextDeadLetterId { get; private set; } = 1;

    /// <summary>Messages held: waiting for a group, leased, or delayed.</summary>
    public long Pending => _held.Count;

    public int MemoryWindow => _memoryWindow;

    /// <summary>The held messages, in order.</summary>
    public IEnumerable<long> HeldSequenceNrs => _held.From(0);

    public int InFlight => _groups.Values.Sum(g => g.Leases.Count);

    public IReadOnlyDictionary<string, GroupState> Groups => _groups;

    public IEnumerable<ConsumerState> Consumers => _consumers.Values;

    /// <summary>The held messages whose payloads are in memory.</summary>
    public IReadOnlyDictionary<long, StoredMessage> Messages => _messages;

    /// <summary>Dead letters not yet confirmed by the dead-letter topic, by dead-letter id; a null message is still to be read back.</summary>
    public IReadOnlyDictionary<long, (DeadLetter Letter, StoredMessage? Message)> Outbox => _outbox;

    /// <summary>Dead-letter topic: messages on their way back, not yet confirmed by their topics; null while still to be read back.</summary>
    public IReadOnlyDictionary<long, StoredMessage?> Replays => _replays;

    /// <summary>True when the topic holds nothing that needs it running: it may passivate.</summary>
    public bool IsIdle => _held.IsEmpty && _consumers.Count == 0 && _outbox.Count == 0 && _replays.Count == 0;

    public bool IsHeld(long sequenceNr) => _held.Contains(sequenceNr);

    /// <summary>
    /// Messages the topic needs in memory and does not have: leased, to deliver again, waiting, or
    /// dead letters and replays still to forward. After a recovery the actor reads them back.
    /// </summary>
    public IReadOnlyList<long> MissingInMemory()
    {
        var referenced = _groups.Values.SelectMany(g => g.Leases.Keys.Concat(g.Ready).Concat(g.Waiting.Keys))
            .Where(seq => _held.Contains(seq) && !_messages.ContainsKey(seq));
        return [.. referenced.Concat(LettersNotInMemory).Distinct().Order()];
    }

    /// <summary>Dead letters and replays still to send whose messages are not in memory (to read back first).</summary>
    public IEnumerable<long> LettersNotInMemory =>
        _outbox.Values.Where(o => o.Message is null).Select(o => o.Letter.SequenceNr)
            .Concat(_replays.Where(r => r.Value is null).Select(r => r.Key));

    /// <summary>
    /// Messages read back from the journal: those the topic still holds and needs in memory stay,
    /// and dead letters and replays waiting for theirs get them. Not an event: it changes what is in
    /// memory, not the state.
    /// </summary>
    public void PageIn(IEnumerable<StoredMessage> messages)
    {
        foreach (var message in messages)
        {
            var seq = message.SequenceNr;
            if (_held.Contains(seq) && !_messages.ContainsKey(seq) && KeepsInMemory(message))
            {
                _messages[seq] = message;
            }

            foreach (var (id, letter) in _outbox.Where(o => o.Value.Message is null && o.Value.Letter.SequenceNr == seq).ToList())
            {
                _outbox[id] = (letter.Letter, message);
            }

            if (_replays.TryGetValue(seq, out var replay) && replay is null)
            {
                _replays[seq] = message;
            }
        }
    }

    /// <summary>Marks messages up to <paramref name="sequenceNr"/> committed, so they may be delivered.</summary>
    public void MarkDurable(long sequenceNr) => DurableThrough = Math.Max(DurableThrough, Math.Min(sequenceNr, NextSeq - 1));

    /// <summary>The earliest time a lease, a delay, or a consumer's silence runs out; null for none.</summary>
    public DateTimeOffset? NextDeadline(DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        void Consider(DateTimeOffset at) => next = next is { } n && n <= at ? n : at;
        foreach (var group in _groups.Values)
        {
            if (group.LeaseExpiries.Count > 0)
            {
                Consider(group.LeaseExpiries.Min.ExpiresAt);
            }

            if (group.WaitingOrder.Count > 0 && _consumers.Keys.Any(k => k.Group == group.Name))
            {
                Consider(group.WaitingOrder.Min.Due);
            }
        }

        if (Settings is { } settings)
        {
            foreach (var consumer in _consumers.Values)
            {
                Consider(consumer.LastSeen + settings.ConsumerTimeout);
            }
        }

        return next is { } due && due < now ? now : next;
    }

    public TopicOutput Handle(ITopicCommand command, DateTimeOffset now)
    {
        var output = new TopicOutput();
        if (TopicNames.ValidateTopic(Name) is { } badName)
        {
            output.Reply = Error(ErrorCode.InvalidTopicName, badName);
            return output;
        }

        output.Reply = command switch
        {
            Publish publish => HandlePublish(publish, now, output),
            Subscribe subscribe => HandleSubscribe(subscribe, now, output),
            AddCredit addCredit => HandleAddCredit(addCredit, now, output),
            Heartbeat heartbeat => HandleHeartbeat(heartbeat, now, output),
            Ack ack => HandleAck(ack, output),
            Nack nack => HandleNack(nack, now, output),
            ExtendLease extend => HandleExtendLease(extend, now, output),
            Unsubscribe unsubscribe => HandleUnsubscribe(unsubscribe, output),
            ConfigureTopic configure => HandleConfigure(configure, output),
            DeleteTopic => HandleDeleteTopic(output),
            DeleteGroup deleteGroup => HandleDeleteGroup(deleteGroup, output),
            GetTopicStats => Stats() is { } stats ? stats : NotFound(),
            Peek peek => HandlePeek(peek, output),
            Purge => HandlePurge(output),
            ReplayDeadLetters replay => HandleReplay(replay, output),
            _ => Error(ErrorCode.UnknownCommand, $"topic '{Name}' does not understand {command.GetType().Name}"),
        };
        Dispatch(now, output);
        return output;
    }

    /// <summary>
    /// Ends expired leases and silent consumers, then delivers what is due. Leases of consumers the
    /// topic does not know (recovered from the journal after a restart) end at once: those consumers
    /// subscribe again, and their unacked messages are delivered again.
    /// </summary>
    public TopicOutput Tick(DateTimeOffset now)
    {
        var output = new TopicOutput();
        foreach (var group in _groups.Values)
        {
            var orphaned = group.Leases.Where(l => !_consumers.ContainsKey((group.Name, l.Value.ConsumerId))).Select(l => l.Key).ToList();
            if (orphaned.Count > 0)
            {
                Emit(output, new MessagesReleased(group.Name, orphaned, null, Counted: false));
            }
        }

        if (Settings is { } settings)
        {
            foreach (var consumer in _consumers.Values.Where(c => c.LastSeen + settings.ConsumerTimeout <= now).ToList())
            {
                var held = consumer.Held.ToList();
                Emit(output, new ConsumerLeft(consumer.Group, consumer.Id));
                ReleaseAsFailed(_groups[consumer.Group], held, null, output);
            }

            foreach (var group in _groups.Values)
            {
                var expired = group.LeaseExpiries.TakeWhile(e => e.ExpiresAt <= now).Select(e => e.Seq).ToList();
                ReleaseAsFailed(group, expired, null, output);
            }
        }

        Dispatch(now, output);
        return output;
    }

    /// <summary>
    /// The consumer is now reached by another path, and deliveries sent along the old one may be
    /// lost: its leases end without counting toward max-deliveries and the messages go out again.
    /// </summary>
    public TopicOutput ConsumerMoved(string group, string consumerId, DateTimeOffset now)
    {
        var output = new TopicOutput();
        if (FindConsumer(group, consumerId) is { Held.Count: > 0 } consumer)
        {
            Emit(output, new MessagesReleased(group, [.. consumer.Held], null, Counted: false));
        }

        Dispatch(now, output);
        return output;
    }

    /// <summary>Delivers what consumers have credit for; call after <see cref="MarkDurable"/> moved on.</summary>
    public TopicOutput Dispatch(DateTimeOffset now)
    {
        var output = new TopicOutput();
        Dispatch(now, output);
        return output;
    }

    /// <summary>The dead-letter topic confirmed these dead letters; they leave the outbox.</summary>
    public TopicOutput ConfirmDeadLetters(IReadOnlyList<long> deadLetterIds)
    {
        var output = new TopicOutput();
        var known = deadLetterIds.Where(_outbox.ContainsKey).Distinct().ToList();
        if (known.Count > 0)
        {
            Emit(output, new DeadLettersForwarded(known));
        }

        return output;
    }

    /// <summary>Dead-letter topic: the topics these messages came from confirmed them; they are gone.</summary>
    public TopicOutput ConfirmReplays(IReadOnlyList<long> sequenceNrs)
    {
        var output = new TopicOutput();
        var known = sequenceNrs.Where(_replays.ContainsKey).Distinct().ToList();
        if (known.Count > 0)
        {
            Emit(output, new ReplaysConfirmed(known));
        }

        return output;
    }

    /// <summary>The state without payloads, for a snapshot; live consumers are not in it.</summary>
    public TopicSnapshot ToSnapshot() => new(
        Settings,
        NextSeq,
        NextDeadLetterId,
        [.. _held.Ranges],
        [.. _messages.Values.Where(IsPinned).Select(m => m.SequenceNr)],
        _groups.Values.Select(g => new GroupSnapshot(
            g.Name,
            g.FirstSeq,
            g.NextSeq,
            [.. g.Ahead.Order()],
            [.. g.Leases.OrderBy(l => l.Key).Select(l => new LeaseSnapshot(l.Key, l.Value.ConsumerId, l.Value.ExpiresAt))],
            [.. g.Ready],
            [.. g.Waiting.OrderBy(w => w.Key).Select(w => new WaitSnapshot(w.Key, w.Value))],
            [.. g.Attempts.OrderBy(a => a.Key).Select(a => new AttemptsSnapshot(a.Key, a.Value, g.Forgiven.GetValueOrDefault(a.Key)))],
            g.DeadLettered)).ToList(),
        _producers.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new ProducerSnapshot(p.Key, [.. p.Value.Entries])).ToList(),
        [.. _messageIdOrder.Where(e => _messageIds.TryGetValue(e.Id, out var seq) && seq == e.Seq).Select(e => new MessageIdSnapshot(e.Id, e.Seq))],
        [.. _outbox.Values.Select(o => o.Letter)],
        [.. _replays.Keys]);

    /// <summary>
    /// Rebuilds a topic from a snapshot and the messages it needs (<see cref="TopicSnapshot.NeededSequenceNrs"/>),
    /// read back from the journal. Events after the snapshot are applied on top, as usual.
    /// </summary>
    public static TopicState FromSnapshot(string name, TopicSnapshot snapshot, IReadOnlyDictionary<long, StoredMessage> messages)
    {
        var missing = snapshot.NeededSequenceNrs.Where(seq => !messages.ContainsKey(seq)).Take(10).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"topic '{name}' cannot be restored: its journal no longer holds messages its snapshot needs ({string.Join(", ", missing)})");
        }

        var state = new TopicState(name)
        {
            Settings = snapshot.Settings,
            NextSeq = snapshot.NextSeq,
            NextDeadLetterId = snapshot.NextDeadLetterId,
        };
        foreach (var range in snapshot.Held)
        {
            state._held.AddRange(range.From, range.To);
        }

        foreach (var seq in snapshot.NeededSequenceNrs.Where(state._held.Contains))
        {
            state._messages[seq] = messages[seq];
        }

        foreach (var g in snapshot.Groups)
        {
            var group = new GroupState(g.Name, g.FirstSeq, state._held.Contains) { NextSeq = g.NextSeq, DeadLettered = g.DeadLettered };
            group.Ahead.UnionWith(g.Ahead);
            foreach (var lease in g.Leases)
            {
                group.Leases[lease.SequenceNr] = new Lease(lease.ConsumerId, lease.ExpiresAt);
                group.LeaseExpiries.Add((lease.ExpiresAt, lease.SequenceNr));
            }

            group.Ready.UnionWith(g.Ready);
            foreach (var wait in g.Waiting)
            {
                group.Wait(wait.SequenceNr, wait.Due);
            }

            foreach (var attempts in g.Attempts)
            {
                group.Attempts[attempts.SequenceNr] = attempts.Attempts;
                if (attempts.Forgiven > 0)
                {
                    group.Forgiven[attempts.SequenceNr] = attempts.Forgiven;
                }
            }

            state._groups[g.Name] = group;
        }

        foreach (var producer in snapshot.Producers)
        {
            var window = state._producers[producer.ProducerId] = new ProducerWindowState();
            foreach (var entry in producer.Entries)
            {
                window.Add(entry.ProducerSeq, entry.SequenceNr);
            }
        }

        foreach (var id in snapshot.MessageIds)
        {
            state._messageIds[id.MessageId] = id.SequenceNr;
            state._messageIdOrder.Enqueue((id.MessageId, id.SequenceNr));
        }

        foreach (var letter in snapshot.Outbox)
        {
            state._outbox[letter.DeadLetterId] = (letter, messages[letter.SequenceNr]);
        }

        foreach (var seq in snapshot.Replays)
        {
            state._replays[seq] = messages[seq];
        }

        return state;
    }

    public void Apply(ITopicEvent topicEvent)
    {
        switch (topicEvent)
        {
            case TopicSettingsChanged e:
                Settings = e.Settings;
                break;
            case TopicDeletedEvent:
                Settings = null;
                _held.Clear();
                _messages.Clear();
                _groups.Clear();
                _consumers.Clear();
                _producers.Clear();
                _messageIds.Clear();
                _messageIdOrder.Clear();
                break;
            case MessagesAppended e:
                ApplyAppended(e);
                break;
            case GroupCreated e:
                ApplyGroupCreated(e);
                break;
            case GroupDeletedEvent e:
                _groups.Remove(e.Group);
                foreach (var key in _consumers.Keys.Where(k => k.Group == e.Group).ToList())
                {
                    _consumers.Remove(key);
                }

                ForgetWhatNoGroupNeeds();
                break;
            case MessagesLeased e:
                ApplyLeased(e);
                break;
            case MessagesAcked e:
                ForEachFinished(e.Group, e.SequenceNrs);
                break;
            case MessagesExpired e:
                ForEachFinished(e.Group, e.SequenceNrs);
                break;
            case MessagesReleased e:
                ApplyReleased(e);
                break;
            case LeasesExtended e:
                ApplyExtended(e);
                break;
            case MessagesDeadLettered e:
                ApplyDeadLettered(e);
                break;
            case DeadLettersForwarded e:
                foreach (var id in e.DeadLetterIds)
                {
                    _outbox.Remove(id);
                }

                break;
            case MessagesPurged e:
                ApplyPurged(e);
                break;
            case MessagesReplaying e:
                foreach (var seq in e.SequenceNrs)
                {
                    _replays[seq] = _messages.GetValueOrDefault(seq);
                    foreach (var group in _groups.Values)
                    {
                        FinishInGroup(group, seq);
                    }

                    _held.Remove(seq);
                    _messages.Remove(seq);
                }

                break;
            case ReplaysConfirmed e:
                foreach (var seq in e.SequenceNrs)
                {
                    _replays.Remove(seq);
                }

                break;
            case ConsumerJoined e:
                if (!_consumers.TryGetValue((e.Group, e.ConsumerId), out var joined))
                {
                    _consumers[(e.Group, e.ConsumerId)] = joined = new ConsumerState(e.Group, e.ConsumerId, e.Credit, e.At);
                }

                joined.Credit = e.Credit;
                joined.LastSeen = e.At;
                break;
            case ConsumerCreditChanged e:
                _consumers[(e.Group, e.ConsumerId)].Credit = e.Credit;
                break;
            case ConsumerSeen e:
                _consumers[(e.Group, e.ConsumerId)].LastSeen = e.At;
                break;
            case ConsumerLeft e:
                _consumers.Remove((e.Group, e.ConsumerId));
                break;
            default:
                throw new ArgumentException($"TopicState cannot apply {topicEvent.GetType().Name}", nameof(topicEvent));
        }
    }

    private TopicError Error(ErrorCode code, string message) => new(Name, code, message);

    private TopicError NotFound() => Error(ErrorCode.TopicNotFound, $"topic '{Name}' does not exist");

    private void Emit(TopicOutput output, ITopicEvent topicEvent)
    {
        Apply(topicEvent);
        output.Events.Add(topicEvent);
    }

    /// <summary>Publishing or subscribing to a topic that does not exist creates it with the defaults.</summary>
    private void EnsureExists(TopicOutput output)
    {
        if (Settings is null)
        {
            Emit(output, new TopicSettingsChanged(TopicSettings.Default));
        }
    }

    private TopicError? ValidateGroup(string group) =>
        TopicNames.ValidateGroup(group) is { } problem ? Error(ErrorCode.InvalidGroupName, problem) : null;

    private PublishOutcome? ValidateMessage(OutgoingMessage message, TopicSettings settings)
    {
        var seq = message.ProducerSeq;
        if (message.Payload.Length > settings.MaxPayloadBytes)
        {
            return PublishOutcome.Rejected(seq, ErrorCode.PayloadTooLarge,
                $"payload is {message.Payload.Length} bytes; topic '{Name}' accepts at most {settings.MaxPayloadBytes}");
        }

        if (message.Headers is { } headers)
        {
            var bytes = headers.Sum(h => h.Key.Length + h.Value.Length);
            if (headers.Count > MaxHeaders || bytes > MaxHeaderBytes)
            {
                return PublishOutcome.Rejected(seq, ErrorCode.HeadersTooLarge,
                    $"{headers.Count} headers of {bytes} characters; at most {MaxHeaders} headers of {MaxHeaderBytes} characters in all");
            }
        }

        if (message.Ttl is { } ttl && (ttl <= TimeSpan.Zero || ttl > TopicSettings.MaxDuration))
        {
            return PublishOutcome.Rejected(seq, ErrorCode.InvalidDuration, $"ttl must be more than 0 and at most {TopicSettings.MaxDuration.TotalDays} days, not {ttl}");
        }

        if (message.Delay is { } delay && (delay < TimeSpan.Zero || delay > TopicSettings.MaxDuration))
        {
            return PublishOutcome.Rejected(seq, ErrorCode.InvalidDuration, $"delay must be from 0 to {TopicSettings.MaxDuration.TotalDays} days, not {delay}");
        }

        return message.MessageId is { Length: > TopicNames.MaxClientIdLength }
            ? PublishOutcome.Rejected(seq, ErrorCode.InvalidClientId, $"message id is {message.MessageId.Length} characters; at most {TopicNames.MaxClientIdLength} are allowed")
            : null;
    }

    private Protocol.IClusterQueueMessage HandlePublish(Publish publish, DateTimeOffset now, TopicOutput output)
    {
        if (TopicNames.ValidateClientId("producer", publish.ProducerId) is { } badProducer)
        {
            return Error(ErrorCode.InvalidClientId, badProducer);
        }

        if (publish.Messages.Count is 0 or > MaxBatch)
        {
            return Error(ErrorCode.InvalidBatch, $"a publish carries 1 to {MaxBatch} messages, not {publish.Messages.Count}");
        }

        var bytes = publish.Messages.Sum(TopicLimits.SizeOf);
        if (publish.Messages.Count > 1 && bytes > TopicLimits.MaxEnvelopeBytes)
        {
            return Error(ErrorCode.InvalidBatch, $"a publish of {publish.Messages.Count} messages is about {bytes} bytes; a batch carries at most {TopicLimits.MaxEnvelopeBytes} (the remoting frame size)");
        }

        EnsureExists(output);
        var settings = Settings!;
        var producer = _producers.GetValueOrDefault(publish.ProducerId);
        var outcomes = new List<PublishOutcome>(publish.Messages.Count);
        var accepted = new List<StoredMessage>();
        var inBatch = new Dictionary<long, long>();
        var idsInBatch = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var message in publish.Messages)
        {
            if (ValidateMessage(message, settings) is { } rejected)
            {
                outcomes.Add(rejected);
                continue;
            }

            if (inBatch.TryGetValue(message.ProducerSeq, out var batchSeq)
                || (producer is not null && producer.TryGet(message.ProducerSeq, out batchSeq)))
            {
                outcomes.Add(PublishOutcome.Repeated(message.ProducerSeq, batchSeq));
                continue;
            }

            if (producer is not null && producer.IsTooOld(message.ProducerSeq))
            {
                outcomes.Add(PublishOutcome.Rejected(message.ProducerSeq, ErrorCode.ProducerSequenceTooOld,
                    $"producer number {message.ProducerSeq} is older than the last {ProducerWindow} the topic remembers; it was published before"));
                continue;
            }

            if (message.MessageId is { } id && settings.MessageIdWindow > 0
                && (_messageIds.TryGetValue(id, out var idSeq) || idsInBatch.TryGetValue(id, out idSeq)))
            {
                outcomes.Add(PublishOutcome.Repeated(message.ProducerSeq, idSeq));
                continue;
            }

            if (_held.Count + accepted.Count >= settings.MaxLength)
            {
                if (settings.Overflow == OverflowPolicy.RejectPublish || IsDeadLetterTopic || _held.IsEmpty)
                {
                    outcomes.Add(PublishOutcome.Rejected(message.ProducerSeq, ErrorCode.TopicFull,
                        $"topic '{Name}' holds its max-length of {settings.MaxLength} messages"));
                    continue;
                }

                if (!DeadLetterOldest(output))
                {
                    outcomes.Add(PublishOutcome.Rejected(message.ProducerSeq, ErrorCode.TopicFull,
                        $"topic '{Name}' holds its max-length of {settings.MaxLength} messages and is reading its oldest back from the journal to make room; publish again"));
                    continue;
                }
            }

            var seq = NextSeq + accepted.Count;
            var ttl = message.Ttl ?? settings.DefaultTtl;
            accepted.Add(new StoredMessage(
                seq,
                publish.ProducerId,
                message.ProducerSeq,
                message.MessageId,
                message.Payload,
                message.Headers ?? ReadOnlyDictionary<string, string>.Empty,
                now,
                ttl is { } t ? now + t : null,
                message.Delay is { } d && d > TimeSpan.Zero ? now + d : null,
                OnlyGroup: string.IsNullOrEmpty(publish.ForGroup) ? null : publish.ForGroup));
            inBatch[message.ProducerSeq] = seq;
            if (message.MessageId is { } newId)
            {
                idsInBatch[newId] = seq;
            }

            outcomes.Add(PublishOutcome.Stored(message.ProducerSeq, seq));
        }

        if (accepted.Count > 0)
        {
            Emit(output, new MessagesAppended(accepted));
        }

        return new PublishResult(Name, publish.ProducerId, outcomes);
    }

    /// <summary>
    /// Makes room by dead-lettering the oldest held message from every group still holding it; false
    /// when its payload is not in memory (it is asked for, and the room is made next time).
    /// </summary>
    private bool DeadLetterOldest(TopicOutput output)
    {
        if (!_messages.TryGetValue(_held.First, out var oldest))
        {
            output.AskFor(_held.First);
            return false;
        }

        var holders = _groups.Values.Where(g => g.IsUnfinished(oldest.SequenceNr)).ToList();
        var letters = holders.Count == 0
            ? [NewDeadLetter("", oldest.SequenceNr, DeadLetterReason.Overflow, 0)]
            : holders.Select(g => NewDeadLetter(g.Name, oldest.SequenceNr, DeadLetterReason.Overflow, g.Attempts.GetValueOrDefault(oldest.SequenceNr))).ToList();
        EmitDeadLetters(letters, output);
        return true;
    }

    private static DeadLetter NewDeadLetter(string group, long seq, DeadLetterReason reason, int attempts) =>
        new(group, seq, reason, attempts, 0);

    /// <summary>
    /// Numbers the letters and emits them; those whose messages are in memory go to the output for
    /// forwarding, the others once read back (<see cref="MissingInMemory"/>).
    /// </summary>
    private void EmitDeadLetters(List<DeadLetter> letters, TopicOutput output)
    {
        if (letters.Count == 0)
        {
            return;
        }

        var numbered = letters.Select((l, i) => l with { DeadLetterId = NextDeadLetterId + i }).ToList();
        var messages = numbered.Select(l => _messages.GetValueOrDefault(l.SequenceNr)).ToList();
        Emit(output, new MessagesDeadLettered(numbered));
        foreach (var (letter, message) in numbered.Zip(messages))
        {
            if (message is null)
            {
                output.AskFor(letter.SequenceNr);
            }
            else
            {
                output.DeadLetters.Add((letter, message));
            }
        }
    }

    private Protocol.IClusterQueueMessage HandleSubscribe(Subscribe subscribe, DateTimeOffset now, TopicOutput output)
    {
        if (ValidateGroup(subscribe.Group) is { } badGroup)
        {
            return badGroup;
        }

        if (TopicNames.ValidateClientId("consumer", subscribe.ConsumerId) is { } badConsumer)
        {
            return Error(ErrorCode.InvalidClientId, badConsumer);
        }

        if (subscribe.Credit is < 1 or > MaxCredit)
        {
            return Error(ErrorCode.InvalidCredit, $"credit must be from 1 to {MaxCredit}, not {subscribe.Credit}");
        }

        if (!Enum.IsDefined(subscribe.StartAt))
        {
            return Error(ErrorCode.InvalidSettings, $"start position {(int)subscribe.StartAt} is neither new (0) nor earliest (1)");
        }

        EnsureExists(output);
        if (!_groups.ContainsKey(subscribe.Group))
        {
            var first = subscribe.StartAt == StartPosition.Earliest && !_held.IsEmpty ? _held.First : NextSeq;
            Emit(output, new GroupCreated(subscribe.Group, first));
        }

        if (FindConsumer(subscribe.Group, subscribe.ConsumerId) is { Held.Count: > 0 } again)
        {
            // A consumer subscribing again has lost what it held (it restarted, or its connection
            // dropped deliveries): those go out again now, not at the ack timeout, and the lost
            // deliveries do not count toward max-deliveries (a healthy message must not be
            // dead-lettered because a consumer resubscribed while the topic was slow to answer).
            Emit(output, new MessagesReleased(subscribe.Group, [.. again.Held], null, Counted: false));
        }

        Emit(output, new ConsumerJoined(subscribe.Group, subscribe.ConsumerId, subscribe.Credit, now));
        return new Subscribed(Name, subscribe.Group, subscribe.ConsumerId);
    }

    private ConsumerState? FindConsumer(string group, string consumerId) => _consumers.GetValueOrDefault((group, consumerId));

    private TopicError UnknownConsumer(string group, string consumerId) =>
        Error(ErrorCode.UnknownConsumer, $"consumer '{consumerId}' is not subscribed to group '{group}' of topic '{Name}'; subscribe again");

    private Protocol.IClusterQueueMessage HandleAddCredit(AddCredit addCredit, DateTimeOffset now, TopicOutput output)
    {
        if (FindConsumer(addCredit.Group, addCredit.ConsumerId) is not { } consumer)
        {
            return UnknownConsumer(addCredit.Group, addCredit.ConsumerId);
        }

        var credit = (long)consumer.Credit + addCredit.Delta;
        if (credit is < 1 or > MaxCredit)
        {
            return Error(ErrorCode.InvalidCredit, $"credit would be {credit}; it must stay from 1 to {MaxCredit}");
        }

        Emit(output, new ConsumerCreditChanged(consumer.Group, consumer.Id, (int)credit));
        Emit(output, new ConsumerSeen(consumer.Group, consumer.Id, now));
        return new Subscribed(Name, consumer.Group, consumer.Id);
    }

    private Protocol.IClusterQueueMessage HandleHeartbeat(Heartbeat heartbeat, DateTimeOffset now, TopicOutput output)
    {
        if (FindConsumer(heartbeat.Group, heartbeat.ConsumerId) is not { } consumer)
        {
            return UnknownConsumer(heartbeat.Group, heartbeat.ConsumerId);
        }

        Emit(output, new ConsumerSeen(consumer.Group, consumer.Id, now));
        return new HeartbeatAck(Name, consumer.Group, consumer.Id);
    }

    private (GroupState? Group, TopicError? Error) FindGroup(string group)
    {
        if (Settings is null)
        {
            return (null, NotFound());
        }

        return _groups.TryGetValue(group, out var state)
            ? (state, null)
            : (null, Error(ErrorCode.GroupNotFound, $"topic '{Name}' has no group '{group}'"));
    }

    private Protocol.IClusterQueueMessage HandleAck(Ack ack, TopicOutput output)
    {
        var (group, error) = FindGroup(ack.Group);
        if (group is null)
        {
            return error!;
        }

        var seqs = new SortedSet<long>(ack.SequenceNrs);
        if (ack.UpTo > 0)
        {
            seqs.UnionWith(_held.From(0).TakeWhile(s => s <= ack.UpTo).Where(group.IsUnfinished));
        }

        var known = seqs.Where(s => _held.Contains(s) && group.IsUnfinished(s)).ToList();
        var unknown = seqs.Where(s => !(_held.Contains(s) && group.IsUnfinished(s))).ToList();
        if (known.Count > 0)
        {
            Emit(output, new MessagesAcked(group.Name, known));
        }

        return new AckResult(Name, group.Name, known.Count, unknown);
    }

    private Protocol.IClusterQueueMessage HandleNack(Nack nack, DateTimeOffset now, TopicOutput output)
    {
        var (group, error) = FindGroup(nack.Group);
        if (group is null)
        {
            return error!;
        }

        if (nack.RedeliverAfter is { } delay && (delay < TimeSpan.Zero || delay > TopicSettings.MaxDuration))
        {
            return Error(ErrorCode.InvalidDuration, $"redelivery delay must be from 0 to {TopicSettings.MaxDuration.TotalDays} days, not {delay}");
        }

        var seqs = nack.SequenceNrs.Distinct().ToList();
        var leased = seqs.Where(group.Leases.ContainsKey).ToList();
        ReleaseAsFailed(group, leased, nack.RedeliverAfter is { } after && after > TimeSpan.Zero ? now + after : null, output);
        return new AckResult(Name, group.Name, leased.Count, seqs.Where(s => !leased.Contains(s)).ToList());
    }

    /// <summary>
    /// Ends leases that failed (nack, expiry, silent consumer): each message is delivered again, or
    /// dead-lettered once it has had max-deliveries.
    /// </summary>
    private void ReleaseAsFailed(GroupState group, IReadOnlyCollection<long> seqs, DateTimeOffset? redeliverAt, TopicOutput output)
    {
        var leased = seqs.Where(group.Leases.ContainsKey).ToList();
        if (leased.Count == 0)
        {
            return;
        }

        var maxDeliveries = IsDeadLetterTopic ? 0 : Settings!.MaxDeliveries;
        var exhausted = leased.Where(s => maxDeliveries > 0 && group.Counted(s) >= maxDeliveries).ToList();
        var again = leased.Except(exhausted).ToList();
        if (again.Count > 0)
        {
            Emit(output, new MessagesReleased(group.Name, again, redeliverAt));
        }

        EmitDeadLetters(
            exhausted.Select(s => NewDeadLetter(group.Name, s, DeadLetterReason.MaxDeliveries, group.Attempts[s])).ToList(),
            output);
    }

    private Protocol.IClusterQueueMessage HandleExtendLease(ExtendLease extend, DateTimeOffset now, TopicOutput output)
    {
        var (group, error) = FindGroup(extend.Group);
        if (group is null)
        {
            return error!;
        }

        if (extend.By <= TimeSpan.Zero || extend.By > TopicSettings.MaxDuration)
        {
            return Error(ErrorCode.InvalidDuration, $"a lease is extended by more than 0 and at most {TopicSettings.MaxDuration.TotalDays} days, not {extend.By}");
        }

        var seqs = extend.SequenceNrs.Distinct().ToList();
        var held = seqs.Where(s => group.Leases.TryGetValue(s, out var lease) && lease.ConsumerId == extend.ConsumerId).ToList();
        if (held.Count > 0)
        {
            Emit(output, new LeasesExtended(group.Name, held, now + extend.By));
        }

        if (FindConsumer(extend.Group, extend.ConsumerId) is { } consumer)
        {
            Emit(output, new ConsumerSeen(consumer.Group, consumer.Id, now));
        }

        return new AckResult(Name, group.Name, held.Count, seqs.Where(s => !held.Contains(s)).ToList());
    }

    private Protocol.IClusterQueueMessage HandleUnsubscribe(Unsubscribe unsubscribe, TopicOutput output)
    {
        if (FindConsumer(unsubscribe.Group, unsubscribe.ConsumerId) is not { } consumer)
        {
            return UnknownConsumer(unsubscribe.Group, unsubscribe.ConsumerId);
        }

        // A clean stop hands messages back at once, and is not a failed delivery: it does not count
        // toward max-deliveries.
        var held = consumer.Held.ToList();
        Emit(output, new ConsumerLeft(consumer.Group, consumer.Id));
        if (held.Count > 0)
        {
            Emit(output, new MessagesReleased(consumer.Group, held, null, Counted: false));
        }

        return new Unsubscribed(Name, consumer.Group, consumer.Id);
    }

    private Protocol.IClusterQueueMessage HandleConfigure(ConfigureTopic configure, TopicOutput output)
    {
        if (configure.Settings.Validate() is { } problem)
        {
            return Error(ErrorCode.InvalidSettings, $"topic '{Name}': {problem}");
        }

        if (Settings != configure.Settings)
        {
            Emit(output, new TopicSettingsChanged(configure.Settings));
        }

        return new TopicConfigured(Name, configure.Settings);
    }

    private Protocol.IClusterQueueMessage HandleDeleteTopic(TopicOutput output)
    {
        if (Settings is null)
        {
            return NotFound();
        }

        Emit(output, TopicDeletedEvent.Instance);
        return new TopicDeleted(Name);
    }

    private Protocol.IClusterQueueMessage HandleDeleteGroup(DeleteGroup deleteGroup, TopicOutput output)
    {
        var (group, error) = FindGroup(deleteGroup.Group);
        if (group is null)
        {
            return error!;
        }

        Emit(output, new GroupDeletedEvent(group.Name));
        return new GroupDeleted(Name, group.Name);
    }

    private Protocol.IClusterQueueMessage HandlePeek(Peek peek, TopicOutput output)
    {
        if (Settings is null)
        {
            return NotFound();
        }

        if (peek.Count is < 1 or > MaxBatch)
        {
            return Error(ErrorCode.InvalidBatch, $"peek reads 1 to {MaxBatch} messages, not {peek.Count}");
        }

        // As many of the oldest as fit one reply, up to the first not in memory.
        var oldest = InMemoryFromOldest(peek.Count, output).Select(m => m.ToTopicMessage());
        return new PeekResult(Name, TopicLimits.Chunk(oldest, TopicLimits.SizeOf).FirstOrDefault() ?? []);
    }

    private Protocol.IClusterQueueMessage HandleReplay(ReplayDeadLetters replay, TopicOutput output)
    {
        if (!IsDeadLetterTopic)
        {
            return Error(ErrorCode.NotADeadLetterOperation, $"replay is for dead-letter topics ('{TopicNames.DeadLetterTopicOf(Name)}'); '{Name}' is not one");
        }

        if (Settings is null)
        {
            return NotFound();
        }

        if (replay.Count < 0)
        {
            return Error(ErrorCode.InvalidBatch, $"replay moves the first N messages (0 for all), not {replay.Count}");
        }

        var messages = InMemoryFromOldest(replay.Count == 0 ? int.MaxValue : replay.Count, output);
        if (messages.Count > 0)
        {
            output.Replays.AddRange(messages);
            Emit(output, new MessagesReplaying([.. messages.Select(m => m.SequenceNr)]));
        }

        return new DeadLettersReplayed(Name, messages.Count);
    }

    /// <summary>Up to <paramref name="count"/> of the oldest held messages, stopping at the first not in memory (which is asked for).</summary>
    private List<StoredMessage> InMemoryFromOldest(int count, TopicOutput output)
    {
        var messages = new List<StoredMessage>();
        foreach (var seq in _held.From(0).Take(count))
        {
            if (!_messages.TryGetValue(seq, out var message))
            {
                output.AskFor(seq);
                break;
            }

            messages.Add(message);
        }

        return messages;
    }

    private Protocol.IClusterQueueMessage HandlePurge(TopicOutput output)
    {
        if (Settings is null)
        {
            return NotFound();
        }

        var count = _held.Count;
        Emit(output, new MessagesPurged(NextSeq - 1));
        return new Purged(Name, count);
    }

    /// <summary>The topic's counters as of now; null while it has no settings (never created or deleted).</summary>
    public TopicStats? Stats() => Settings is null ? null : new(
        Name,
        Settings,
        Pending,
        InFlight,
        NextSeq - 1,
        _groups.Values.Select(g => new GroupStats(
            g.Name,
            Lag(g),
            g.Leases.Count,
            _consumers.Keys.Count(k => k.Group == g.Name),
            g.DeadLettered)).ToList(),
        _consumers.Count,
        Forwarding: _outbox.Count + _replays.Count);

    /// <summary>
    /// Messages the group has not finished: undelivered (every held one from its cursor on, but those
    /// it took ahead), and leased, waiting or ready again. Counted from the ranges, not message by message.
    /// </summary>
    private long Lag(GroupState group)
    {
        var from = Math.Max(group.FirstSeq, group.NextSeq);
        var undelivered = _held.CountFrom(from) - group.Ahead.Count(s => s >= from && _held.Contains(s));
        var handed = group.Leases.Keys.Concat(group.Ready).Concat(group.Waiting.Keys).Distinct()
            .Count(s => s >= group.FirstSeq && !group.IsUndelivered(s) && _held.Contains(s));
        return undelivered + handed;
    }

    private void Dispatch(DateTimeOffset now, TopicOutput output)
    {
        if (Settings is null)
        {
            return;
        }

        foreach (var group in _groups.Values)
        {
            DispatchGroup(group, now, output);
        }
    }

    private void DispatchGroup(GroupState group, DateTimeOffset now, TopicOutput output)
    {
        // Most calls find no consumer with credit; they return before allocating anything.
        var count = 0;
        var anyCredit = false;
        foreach (var consumer in _consumers.Values)
        {
            if (consumer.Group == group.Name)
            {
                count++;
                anyCredit |= consumer.FreeCredit > 0;
            }
        }

        if (!anyCredit)
        {
            return;
        }

        var consumers = new List<ConsumerState>(count);
        foreach (var consumer in _consumers.Values)
        {
            if (consumer.Group == group.Name)
            {
                consumers.Add(consumer);
            }
        }

        var free = new int[count];
        for (var i = 0; i < count; i++)
        {
            free[i] = consumers[i].FreeCredit;
        }

        var assigned = new List<long>?[count];
        var expired = new List<long>();
        var turn = group.NextConsumer;

        foreach (var seq in Candidates(group, now))
        {
            if (!_messages.TryGetValue(seq, out var message))
            {
                // First deliveries keep publish order: nothing after it goes before it is read back.
                output.AskFor(seq);
                break;
            }

            if (message.ExpiresAt is { } expiresAt && expiresAt <= now)
            {
                expired.Add(seq);
                continue;
            }

            var taker = NextWithCredit(free, turn);
            if (taker < 0)
            {
                break;
            }

            (assigned[taker] ??= []).Add(seq);
            free[taker]--;
            turn = (taker + 1) % count;
        }

        group.NextConsumer = turn;
        Expire(group, expired, output);
        var leaseExpiresAt = now + Settings!.AckTimeout;
        for (var i = 0; i < count; i++)
        {
            if (assigned[i] is not { } seqs)
            {
                continue;
            }

            var consumerId = consumers[i].Id;
            Emit(output, new MessagesLeased(group.Name, consumerId, seqs, leaseExpiresAt));
            var delivered = seqs.Select(s => new DeliveredMessage(_messages[s].ToTopicMessage(), group.Attempts[s], leaseExpiresAt));
            foreach (var chunk in TopicLimits.Chunk(delivered, d => TopicLimits.SizeOf(d.Message)))
            {
                output.Deliveries.Add(new Delivery(Name, group.Name, consumerId, chunk));
            }
        }
    }

    /// <summary>The first consumer (its index) from <paramref name="turn"/> on, round the list, with credit left; -1 when none has.</summary>
    private static int NextWithCredit(int[] free, int turn)
    {
        for (var i = 0; i < free.Length; i++)
        {
            var index = (turn + i) % free.Length;
            if (free[index] > 0)
            {
                return index;
            }
        }

        return -1;
    }

    /// <summary>
    /// Messages the group may deliver now, in the order offered: redeliveries first (lowest
    /// sequence first), then what waited and is due, then first deliveries in publish order.
    /// Only committed messages are offered. Lazily enumerated: dispatch stops when credit runs out.
    /// </summary>
    private IEnumerable<long> Candidates(GroupState group, DateTimeOffset now)
    {
        if (group.Ready.Count > 0)
        {
            foreach (var seq in group.Ready.Where(s => s <= DurableThrough).ToList())
            {
                yield return seq;
            }
        }

        if (group.WaitingOrder.Count > 0)
        {
            foreach (var (_, seq) in group.WaitingOrder.TakeWhile(w => w.Due <= now).Where(w => w.Seq <= DurableThrough).ToList())
            {
                yield return seq;
            }
        }

        foreach (var seq in _held.From(group.NextSeq))
        {
            if (seq > DurableThrough)
            {
                yield break;
            }

            if (!group.Ahead.Contains(seq))
            {
                yield return seq;
            }
        }
    }

    private void Expire(GroupState group, List<long> seqs, TopicOutput output)
    {
        if (seqs.Count == 0)
        {
            return;
        }

        if (Settings!.Expiry == ExpiryPolicy.Drop || IsDeadLetterTopic)
        {
            Emit(output, new MessagesExpired(group.Name, seqs));
            return;
        }

        EmitDeadLetters(
            seqs.Select(s => NewDeadLetter(group.Name, s, DeadLetterReason.Expired, group.Attempts.GetValueOrDefault(s))).ToList(),
            output);
    }

    private void ApplyAppended(MessagesAppended e)
    {
        foreach (var message in e.Messages)
        {
            _held.Add(message.SequenceNr);
            NextSeq = message.SequenceNr + 1;
            if (!_producers.TryGetValue(message.ProducerId, out var producer))
            {
                _producers[message.ProducerId] = producer = new ProducerWindowState();
            }

            producer.Add(message.ProducerSeq, message.SequenceNr);
            RememberMessageId(message);
            foreach (var group in _groups.Values)
            {
                PlaceNewMessage(group, message);
            }

            if (KeepsInMemory(message))
            {
                _messages[message.SequenceNr] = message;
            }
        }
    }

    /// <summary>Messages whose place in each group (delayed, or for one group only) is decided from their content: always in memory.</summary>
    private static bool IsPinned(StoredMessage message) => message.OnlyGroup is not null || message.DeliverAt is not null;

    /// <summary>
    /// Whether a held message's payload stays in memory: pinned, leased, to deliver again or waiting
    /// in some group, or within <see cref="MemoryWindow"/> past the cursor of a group that has not
    /// delivered it; with no group, within the window from the oldest held.
    /// </summary>
    private bool KeepsInMemory(StoredMessage message)
    {
        var seq = message.SequenceNr;
        if (IsPinned(message))
        {
            return true;
        }

        if (_groups.Count == 0)
        {
            return _held.IsEmpty || seq < _held.First + _memoryWindow;
        }

        foreach (var g in _groups.Values)
        {
            if (g.Leases.ContainsKey(seq) || g.Ready.Contains(seq) || g.Waiting.ContainsKey(seq)
                || (seq >= g.FirstSeq && g.IsUndelivered(seq) && seq < g.NextSeq + _memoryWindow))
            {
                return true;
            }
        }

        return false;
    }

    private void RememberMessageId(StoredMessage message)
    {
        var window = Settings?.MessageIdWindow ?? 0;
        if (message.MessageId is not { } id || window == 0)
        {
            return;
        }

        _messageIds[id] = message.SequenceNr;
        _messageIdOrder.Enqueue((id, message.SequenceNr));
        while (_messageIdOrder.Count > window)
        {
            var (oldId, oldSeq) = _messageIdOrder.Dequeue();
            if (_messageIds.TryGetValue(oldId, out var seq) && seq == oldSeq)
            {
                _messageIds.Remove(oldId);
            }
        }
    }

    /// <summary>A message not for this group, or delayed, leaves the group's first-delivery order.</summary>
    private void PlaceNewMessage(GroupState group, StoredMessage message)
    {
        if (message.SequenceNr < group.FirstSeq)
        {
            return;
        }

        if (message.OnlyGroup is { } only && only != group.Name)
        {
            group.Take(message.SequenceNr, NextSeq);
        }
        else if (message.DeliverAt is { } deliverAt)
        {
            group.Take(message.SequenceNr, NextSeq);
            group.Wait(message.SequenceNr, deliverAt);
        }
    }

    private void ApplyGroupCreated(GroupCreated e)
    {
        var first = _groups.Count == 0;
        var group = new GroupState(e.Group, e.FirstSequenceNr, _held.Contains);
        _groups[e.Group] = group;
        var deadForAll = _outbox.Values.Where(o => o.Letter.Group == "").Select(o => o.Letter.SequenceNr).ToHashSet();
        foreach (var message in _messages.Values.Where(m => m.SequenceNr >= e.FirstSequenceNr))
        {
            if (deadForAll.Contains(message.SequenceNr))
            {
                group.Take(message.SequenceNr, NextSeq);
            }
            else
            {
                PlaceNewMessage(group, message);
            }
        }

        group.Take(e.FirstSequenceNr - 1, NextSeq);

        // Messages that waited for a first group which starts after them are done for everyone.
        if (first)
        {
            _held.RemoveBelow(e.FirstSequenceNr);
            foreach (var seq in _messages.Keys.TakeWhile(s => s < e.FirstSequenceNr).ToList())
            {
                _messages.Remove(seq);
            }
        }

        foreach (var seq in _messages.Keys.ToList())
        {
            Settle(seq);
        }
    }

    private void ApplyLeased(MessagesLeased e)
    {
        var group = _groups[e.Group];
        var consumer = _consumers.GetValueOrDefault((e.Group, e.ConsumerId));
        foreach (var seq in e.SequenceNrs)
        {
            group.Ready.Remove(seq);
            group.StopWaiting(seq);
            group.Take(seq, NextSeq);
            group.EndLease(seq);
            group.Leases[seq] = new Lease(e.ConsumerId, e.LeaseExpiresAt);
            group.LeaseExpiries.Add((e.LeaseExpiresAt, seq));
            group.Attempts[seq] = group.Attempts.GetValueOrDefault(seq) + 1;
            consumer?.Held.Add(seq);
        }
    }

    private void ApplyReleased(MessagesReleased e)
    {
        var group = _groups[e.Group];
        foreach (var seq in e.SequenceNrs)
        {
            if (group.Leases.TryGetValue(seq, out var lease))
            {
                _consumers.GetValueOrDefault((e.Group, lease.ConsumerId))?.Held.Remove(seq);
            }

            group.EndLease(seq);
            if (!e.Counted && group.Attempts.ContainsKey(seq))
            {
                group.Forgiven[seq] = group.Forgiven.GetValueOrDefault(seq) + 1;
            }

            if (e.RedeliverAt is { } at)
            {
                group.Wait(seq, at);
            }
            else
            {
                group.Ready.Add(seq);
            }
        }
    }

    private void ApplyExtended(LeasesExtended e)
    {
        var group = _groups[e.Group];
        foreach (var seq in e.SequenceNrs)
        {
            if (group.Leases.TryGetValue(seq, out var lease))
            {
                group.EndLease(seq);
                group.Leases[seq] = lease with { ExpiresAt = e.LeaseExpiresAt };
                group.LeaseExpiries.Add((e.LeaseExpiresAt, seq));
            }
        }
    }

    private void ApplyDeadLettered(MessagesDeadLettered e)
    {
        foreach (var letter in e.Letters)
        {
            _outbox[letter.DeadLetterId] = (letter, _messages.GetValueOrDefault(letter.SequenceNr));
            NextDeadLetterId = Math.Max(NextDeadLetterId, letter.DeadLetterId + 1);
            if (_groups.TryGetValue(letter.Group, out var group))
            {
                group.DeadLettered++;
                FinishInGroup(group, letter.SequenceNr);
            }
            else
            {
                // Dead-lettered while no group existed: it is gone for every group to come.
                _held.Remove(letter.SequenceNr);
                _messages.Remove(letter.SequenceNr);
            }

            Settle(letter.SequenceNr);
        }
    }

    private void ApplyPurged(MessagesPurged e)
    {
        _held.Clear();
        _messages.Clear();
        foreach (var group in _groups.Values)
        {
            foreach (var seq in group.Leases.Keys.ToList())
            {
                group.EndLease(seq);
            }

            group.Ready.Clear();
            group.Waiting.Clear();
            group.WaitingOrder.Clear();
            group.Attempts.Clear();
            group.Forgiven.Clear();
            group.Ahead.Clear();
            group.NextSeq = Math.Max(group.NextSeq, e.UpToSequenceNr + 1);
        }

        foreach (var consumer in _consumers.Values)
        {
            consumer.Held.Clear();
        }
    }

    private void ForEachFinished(string groupName, IReadOnlyList<long> seqs)
    {
        var group = _groups[groupName];
        foreach (var seq in seqs)
        {
            FinishInGroup(group, seq);
            Settle(seq);
        }
    }

    private void FinishInGroup(GroupState group, long seq)
    {
        if (group.Leases.TryGetValue(seq, out var lease))
        {
            _consumers.GetValueOrDefault((group.Name, lease.ConsumerId))?.Held.Remove(seq);
        }

        group.Finish(seq);
        group.Take(seq, NextSeq);
    }

    /// <summary>
    /// A message leaves the topic once every group is done with it (never while no group exists);
    /// one still held leaves memory once no group needs it there soon.
    /// </summary>
    private void Settle(long seq)
    {
        if (_groups.Count > 0 && !AnyGroupUnfinished(seq))
        {
            _held.Remove(seq);
            _messages.Remove(seq);
        }
        else if (_messages.TryGetValue(seq, out var message) && !KeepsInMemory(message))
        {
            _messages.Remove(seq);
        }
    }

    private bool AnyGroupUnfinished(long seq)
    {
        foreach (var g in _groups.Values)
        {
            if (g.IsUnfinished(seq))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// After a group is deleted: what only it held goes. Messages not in memory are handed to no
    /// group (those are in memory), so they are done for every group whose cursor passed them; past
    /// every cursor, only those acked ahead (by sequence number, before delivery) may be done.
    /// </summary>
    private void ForgetWhatNoGroupNeeds()
    {
        if (_groups.Count == 0)
        {
            return;
        }

        var floor = _groups.Values.Min(g => Math.Max(g.FirstSeq, g.NextSeq));
        var inMemory = _messages.Keys.ToList();
        var handed = _groups.Values.SelectMany(g => g.Leases.Keys.Concat(g.Ready).Concat(g.Waiting.Keys));
        var kept = inMemory.Concat(handed).Where(seq => seq < floor && _held.Contains(seq)).Distinct().ToList();
        _held.RemoveBelow(floor);
        foreach (var seq in kept)
        {
            _held.Add(seq);
        }

        var ackedAhead = _groups.Values.SelectMany(g => g.Ahead).ToList();
        foreach (var seq in kept.Concat(inMemory).Concat(ackedAhead).Distinct())
        {
            Settle(seq);
        }
    }

    /// <summary>The producer numbers a topic remembers for one producer, to confirm retries.</summary>
    private sealed class ProducerWindowState
    {
        private readonly Dictionary<long, long> _sequenceNrs = [];
        private readonly Queue<long> _order = new();

        public bool TryGet(long producerSeq, out long sequenceNr) => _sequenceNrs.TryGetValue(producerSeq, out sequenceNr);

        /// <summary>
        /// Older than the oldest remembered number while the window is full: it may have been
        /// stored already, and its sequence number is forgotten.
        /// </summary>
        public bool IsTooOld(long producerSeq) => _order.Count >= ProducerWindow && producerSeq < _order.Peek();

        public IEnumerable<ProducerEntrySnapshot> Entries =>
            _order.Where(_sequenceNrs.ContainsKey).Distinct().Select(p => new ProducerEntrySnapshot(p, _sequenceNrs[p]));

        public void Add(long producerSeq, long sequenceNr)
        {
            _sequenceNrs[producerSeq] = sequenceNr;
            _order.Enqueue(producerSeq);
            if (_order.Count > ProducerWindow)
            {
                _sequenceNrs.Remove(_order.Dequeue());
            }
        }
    }
}
