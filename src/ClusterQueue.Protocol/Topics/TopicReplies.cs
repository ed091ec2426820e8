namespace ClusterQueue.Protocol.Topics;

/// <summary>What became of one published message.</summary>
/// <param name="ProducerSeq">The producer's number for it.</param>
/// <param name="SequenceNr">The topic's number for it when confirmed; 0 when rejected.</param>
/// <param name="Duplicate">Confirmed earlier: this was a retry, nothing was stored again.</param>
/// <param name="Error">Why it was rejected; <see cref="ErrorCode.None"/> when confirmed.</param>
/// <param name="Reason">The rejection, in words; null when confirmed.</param>
public sealed record PublishOutcome(long ProducerSeq, long SequenceNr, bool Duplicate, ErrorCode Error, string? Reason)
{
    public bool Confirmed => Error == ErrorCode.None;

    public static PublishOutcome Stored(long producerSeq, long sequenceNr) => new(producerSeq, sequenceNr, false, ErrorCode.None, null);

    public static PublishOutcome Repeated(long producerSeq, long sequenceNr) => new(producerSeq, sequenceNr, true, ErrorCode.None, null);

    public static PublishOutcome Rejected(long producerSeq, ErrorCode error, string reason) => new(producerSeq, 0, false, error, reason);
}

/// <summary>The answer to <see cref="Publish"/>: one outcome per message, in the batch's order.</summary>
public sealed record PublishResult(string Topic, string ProducerId, IReadOnlyList<PublishOutcome> Outcomes) : IClusterQueueMessage
{
    public bool Equals(PublishResult? other) =>
        other is not null && Topic == other.Topic && ProducerId == other.ProducerId && Outcomes.SequenceEqual(other.Outcomes);

    public override int GetHashCode() => HashCode.Combine(Topic, ProducerId, Outcomes.Count);
}

public sealed record Subscribed(string Topic, string Group, string ConsumerId) : IClusterQueueMessage;

public sealed record HeartbeatAck(string Topic, string Group, string ConsumerId) : IClusterQueueMessage;

/// <summary>The answer to an ack, nack or lease extension.</summary>
/// <param name="Applied">How many messages it applied to.</param>
/// <param name="Unknown">Sequence numbers the group did not hold unacked (code <see cref="ErrorCode.UnknownDelivery"/>).</param>
public sealed record AckResult(string Topic, string Group, int Applied, IReadOnlyList<long> Unknown) : IClusterQueueMessage
{
    public bool Equals(AckResult? other) =>
        other is not null && Topic == other.Topic && Group == other.Group && Applied == other.Applied && Unknown.SequenceEqual(other.Unknown);

    public override int GetHashCode() => HashCode.Combine(Topic, Group, Applied, Unknown.Count);
}

public sealed record Unsubscribed(string Topic, string Group, string ConsumerId) : IClusterQueueMessage;

public sealed record TopicConfigured(string Topic, TopicSettings Settings) : IClusterQueueMessage;

public sealed record TopicDeleted(string Topic) : IClusterQueueMessage;

public sealed record GroupDeleted(string Topic, string Group) : IClusterQueueMessage;

/// <summary>The answer to <see cref="ReplayDeadLetters"/>: how many messages are on their way back.</summary>
public sealed record DeadLettersReplayed(string Topic, int Count) : IClusterQueueMessage;

/// <summary>The answer to <see cref="Purge"/>.</summary>
public sealed record Purged(string Topic, long Count) : IClusterQueueMessage;

/// <summary>A message as the topic holds it.</summary>
public sealed record TopicMessage(
    long SequenceNr,
    byte[] Payload,
    IReadOnlyDictionary<string, string> Headers,
    string? MessageId,
    DateTimeOffset PublishedAt);

public sealed record PeekResult(string Topic, IReadOnlyList<TopicMessage> Messages) : IClusterQueueMessage;

/// <summary>A message leased to one consumer of a group until <paramref name="LeaseExpiresAt"/>.</summary>
/// <param name="Attempt">1 for the first delivery within the group, more for redeliveries.</param>
public sealed record DeliveredMessage(TopicMessage Message, int Attempt, DateTimeOffset LeaseExpiresAt);

/// <summary>Messages the topic sends a consumer; the consumer acks each by group and sequence number.</summary>
public sealed record Delivery(string Topic, string Group, string ConsumerId, IReadOnlyList<DeliveredMessage> Messages) : IClusterQueueMessage;

public sealed record GroupStats(string Group, long Lag, int InFlight, int Consumers, long DeadLettered);

/// <summary>A topic's counters as of now.</summary>
/// <param name="Pending">Messages held: waiting, in flight or delayed.</param>
/// <param name="InFlight">Leases outstanding, summed over groups.</param>
/// <param name="PublishRate">Messages stored per second over the last 10 seconds.</param>
/// <param name="DeliverRate">Messages delivered per second (redeliveries included) over the last 10 seconds.</param>
/// <param name="Forwarding">
/// Messages stored here on their way to another topic that has not confirmed them yet: dead letters
/// for the dead-letter topic, or, in a dead-letter topic, messages replayed to their topics. The
/// topic resends them until confirmed; a topic is settled only once this and Pending are 0.
/// </param>
public sealed record TopicStats(
    string Topic,
    TopicSettings Settings,
    long Pending,
    int InFlight,
    long LastSequenceNr,
    IReadOnlyList<GroupStats> Groups,
    int Consumers,
    double PublishRate = 0,
    double DeliverRate = 0,
    int Forwarding = 0) : IClusterQueueMessage
{
    public bool Equals(TopicStats? other) =>
        other is not null && Topic == other.Topic && Settings == other.Settings && Pending == other.Pending
        && InFlight == other.InFlight && LastSequenceNr == other.LastSequenceNr && Groups.SequenceEqual(other.Groups)
        && Consumers == other.Consumers && PublishRate.Equals(other.PublishRate) && DeliverRate.Equals(other.DeliverRate)
        && Forwarding == other.Forwarding;

    public override int GetHashCode() => HashCode.Combine(Topic, Pending, InFlight, LastSequenceNr, Consumers);
}
