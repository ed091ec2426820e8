using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Topics;

/// <summary>
/// A topic's state without payloads: cursors, leases, dedup windows, and which messages it holds.
/// Its size follows what is pending, never the payload bytes; the payloads are read back from the
/// journal events that appended them.
/// </summary>
/// <param name="Held">Sequence numbers of the messages the topic holds, ascending.</param>
/// <param name="Producers">Each producer's remembered (producer number, sequence number) pairs, oldest first.</param>
/// <param name="MessageIds">Remembered application message ids, oldest first.</param>
/// <param name="Outbox">Dead letters not yet confirmed by the dead-letter topic.</param>
/// <param name="Replays">Dead-letter topic: messages on their way back, not yet confirmed.</param>
public sealed record TopicSnapshot(
    TopicSettings? Settings,
    long NextSeq,
    long NextDeadLetterId,
    IReadOnlyList<long> Held,
    IReadOnlyList<GroupSnapshot> Groups,
    IReadOnlyList<ProducerSnapshot> Producers,
    IReadOnlyList<MessageIdSnapshot> MessageIds,
    IReadOnlyList<DeadLetter> Outbox,
    IReadOnlyList<long> Replays)
{
    /// <summary>Every message whose payload the restored topic needs: held, in the outbox, or replaying.</summary>
    public IEnumerable<long> NeededSequenceNrs =>
        Held.Concat(Outbox.Select(l => l.SequenceNr)).Concat(Replays).Distinct().Order();
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

public sealed record AttemptsSnapshot(long SequenceNr, int Attempts);

public sealed record ProducerSnapshot(string ProducerId, IReadOnlyList<ProducerEntrySnapshot> Entries);

public sealed record ProducerEntrySnapshot(long ProducerSeq, long SequenceNr);

public sealed record MessageIdSnapshot(string MessageId, long SequenceNr);
