using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Topics;

/// <summary>A change to a topic's state; <see cref="TopicState.Apply"/> is the only way state changes.</summary>
public interface ITopicEvent;

/// <summary>
/// A change the journal keeps. The other events concern live consumers, which re-subscribe to a
/// topic that restarted, so they are not recovered.
/// </summary>
public interface IDurableTopicEvent : ITopicEvent;

/// <summary>Why a message left a group for the dead-letter topic.</summary>
public enum DeadLetterReason
{
    /// <summary>Delivered max-deliveries times without an ack.</summary>
    MaxDeliveries = 0,

    /// <summary>Its TTL ran out before the group acked it.</summary>
    Expired = 1,

    /// <summary>The topic was full and its overflow policy is dead-letter-oldest.</summary>
    Overflow = 2,
}

/// <summary>A message as the topic stores it.</summary>
/// <param name="OnlyGroup">Set for a message replayed from the dead-letter topic: only this group gets it.</param>
public sealed record StoredMessage(
    long SequenceNr,
    string ProducerId,
    long ProducerSeq,
    string? MessageId,
    byte[] Payload,
    IReadOnlyDictionary<string, string> Headers,
    DateTimeOffset PublishedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? DeliverAt,
    string? OnlyGroup)
{
    public TopicMessage ToTopicMessage() => new(SequenceNr, Payload, Headers, MessageId, PublishedAt);
}

/// <summary>One message dead-lettered from one group.</summary>
/// <param name="Group">The group it ran out in; "" when the topic had no group (overflow).</param>
/// <param name="DeadLetterId">Numbers the topic's dead letters; the producer number of the forward, so a re-forward is deduplicated.</param>
public sealed record DeadLetter(string Group, long SequenceNr, DeadLetterReason Reason, int Attempts, long DeadLetterId);

public sealed record TopicSettingsChanged(TopicSettings Settings) : IDurableTopicEvent;

public sealed record TopicDeletedEvent : IDurableTopicEvent
{
    public static readonly TopicDeletedEvent Instance = new();
}

/// <summary>A batch of messages accepted together: the unit of group commit.</summary>
public sealed record MessagesAppended(IReadOnlyList<StoredMessage> Messages) : IDurableTopicEvent;

/// <summary>A group starts at <paramref name="FirstSequenceNr"/>: earlier messages are not for it.</summary>
public sealed record GroupCreated(string Group, long FirstSequenceNr) : IDurableTopicEvent;

public sealed record GroupDeletedEvent(string Group) : IDurableTopicEvent;

/// <summary>Messages delivered (again) to a consumer, leased until <paramref name="LeaseExpiresAt"/>.</summary>
public sealed record MessagesLeased(string Group, string ConsumerId, IReadOnlyList<long> SequenceNrs, DateTimeOffset LeaseExpiresAt)
    : IDurableTopicEvent;

public sealed record MessagesAcked(string Group, IReadOnlyList<long> SequenceNrs) : IDurableTopicEvent;

/// <summary>Leases ended without an ack; the messages are delivered again, not before <paramref name="RedeliverAt"/> if set.</summary>
/// <param name="Counted">
/// The deliveries count toward max-deliveries: the consumer failed them (nack, lease expired, went
/// silent). Not counted (forgiven, though still numbered in the attempt) when nothing says the
/// message is at fault: its consumer handed it back (stopped, subscribed again having lost it, or
/// moved) or the topic restarted under it.
/// </param>
public sealed record MessagesReleased(string Group, IReadOnlyList<long> SequenceNrs, DateTimeOffset? RedeliverAt, bool Counted = true) : IDurableTopicEvent;

public sealed record LeasesExtended(string Group, IReadOnlyList<long> SequenceNrs, DateTimeOffset LeaseExpiresAt) : IDurableTopicEvent;

/// <summary>Messages that leave their groups for the dead-letter topic; forwarded until it confirms.</summary>
public sealed record MessagesDeadLettered(IReadOnlyList<DeadLetter> Letters) : IDurableTopicEvent;

/// <summary>The dead-letter topic confirmed these dead letters.</summary>
public sealed record DeadLettersForwarded(IReadOnlyList<long> DeadLetterIds) : IDurableTopicEvent;

/// <summary>Dead-letter topic: these messages leave it for the topics they came from, until those confirm.</summary>
public sealed record MessagesReplaying(IReadOnlyList<long> SequenceNrs) : IDurableTopicEvent;

/// <summary>Dead-letter topic: the topics these messages came from confirmed them back.</summary>
public sealed record ReplaysConfirmed(IReadOnlyList<long> SequenceNrs) : IDurableTopicEvent;

/// <summary>Expired messages dropped from a group (expiry policy drop).</summary>
public sealed record MessagesExpired(string Group, IReadOnlyList<long> SequenceNrs) : IDurableTopicEvent;

/// <summary>Every message the topic held is gone; groups stay.</summary>
public sealed record MessagesPurged(long UpToSequenceNr) : IDurableTopicEvent;

public sealed record ConsumerJoined(string Group, string ConsumerId, int Credit, DateTimeOffset At) : ITopicEvent;

public sealed record ConsumerCreditChanged(string Group, string ConsumerId, int Credit) : ITopicEvent;

public sealed record ConsumerSeen(string Group, string ConsumerId, DateTimeOffset At) : ITopicEvent;

public sealed record ConsumerLeft(string Group, string ConsumerId) : ITopicEvent;
