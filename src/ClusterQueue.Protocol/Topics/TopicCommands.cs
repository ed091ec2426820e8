namespace ClusterQueue.Protocol.Topics;

/// <summary>A request to one topic; routed by <see cref="Topic"/>, the entity id.</summary>
public interface ITopicCommand : IClusterQueueMessage
{
    string Topic { get; }
}

public enum StartPosition
{
    /// <summary>A new group gets messages published from now on.</summary>
    New = 0,

    /// <summary>A new group gets every message the topic still holds.</summary>
    Earliest = 1,
}

/// <summary>One message a producer publishes.</summary>
/// <param name="ProducerSeq">The producer's own number for it, increasing; retries reuse it.</param>
/// <param name="Payload">The bytes; never changed once handed over.</param>
/// <param name="Headers">Application headers; null for none.</param>
/// <param name="MessageId">Application id for dedup across producers; null for none.</param>
/// <param name="Ttl">Expires this long after publishing; null for the topic's default.</param>
/// <param name="Delay">Not delivered before this long after publishing; null for at once.</param>
public sealed record OutgoingMessage(
    long ProducerSeq,
    byte[] Payload,
    IReadOnlyDictionary<string, string>? Headers = null,
    string? MessageId = null,
    TimeSpan? Ttl = null,
    TimeSpan? Delay = null);

/// <summary>Publishes a batch (often of one) from one producer; answered by <see cref="PublishResult"/>.</summary>
/// <param name="ForGroup">Only this group gets the messages (a dead-letter replay); "" or null for every group.</param>
public sealed record Publish(string Topic, string ProducerId, IReadOnlyList<OutgoingMessage> Messages, string? ForGroup = null) : ITopicCommand;

/// <summary>Joins a consumer to a group (creating the group if new); answered by <see cref="Subscribed"/>.</summary>
/// <param name="Credit">How many unacked deliveries the consumer may hold at once.</param>
public sealed record Subscribe(string Topic, string Group, string ConsumerId, StartPosition StartAt, int Credit) : ITopicCommand;

/// <summary>Changes a consumer's credit by <paramref name="Delta"/>; the result must stay above zero.</summary>
public sealed record AddCredit(string Topic, string Group, string ConsumerId, int Delta) : ITopicCommand;

/// <summary>Keeps a consumer's subscription alive; answered by <see cref="HeartbeatAck"/>.</summary>
public sealed record Heartbeat(string Topic, string Group, string ConsumerId) : ITopicCommand;

/// <summary>
/// Acknowledges messages of a group: each listed sequence number, and with <paramref name="UpTo"/>
/// above 0 every message the group holds up to and including it.
/// </summary>
public sealed record Ack(string Topic, string Group, IReadOnlyList<long> SequenceNrs, long UpTo = 0) : ITopicCommand;

/// <summary>Gives messages back for redelivery, after <paramref name="RedeliverAfter"/> if given.</summary>
public sealed record Nack(string Topic, string Group, IReadOnlyList<long> SequenceNrs, TimeSpan? RedeliverAfter = null) : ITopicCommand;

/// <summary>Extends leases a consumer holds by <paramref name="By"/> from now.</summary>
public sealed record ExtendLease(string Topic, string Group, string ConsumerId, IReadOnlyList<long> SequenceNrs, TimeSpan By) : ITopicCommand;

/// <summary>Removes a consumer; its unacked messages go back to its group at once.</summary>
public sealed record Unsubscribe(string Topic, string Group, string ConsumerId) : ITopicCommand;

/// <summary>Creates a topic with these settings, or changes them; answered by <see cref="TopicConfigured"/>.</summary>
public sealed record ConfigureTopic(string Topic, TopicSettings Settings) : ITopicCommand;

/// <summary>Deletes the topic with every message and group it holds.</summary>
public sealed record DeleteTopic(string Topic) : ITopicCommand;

/// <summary>Deletes a group, so it no longer holds messages in the topic.</summary>
public sealed record DeleteGroup(string Topic, string Group) : ITopicCommand;

/// <summary>Asks for <see cref="TopicStats"/>.</summary>
public sealed record GetTopicStats(string Topic) : ITopicCommand;

/// <summary>Reads the oldest messages the topic holds, without delivering them.</summary>
public sealed record Peek(string Topic, int Count) : ITopicCommand;

/// <summary>Drops every message the topic holds; groups stay.</summary>
public sealed record Purge(string Topic) : ITopicCommand;

/// <summary>
/// Sent to a dead-letter topic: moves its oldest messages (all when <paramref name="Count"/> is 0)
/// back to the topic and group each came from; answered by <see cref="DeadLettersReplayed"/>.
/// </summary>
public sealed record ReplayDeadLetters(string Topic, int Count) : ITopicCommand;
