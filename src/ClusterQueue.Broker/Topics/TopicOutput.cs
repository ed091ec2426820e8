using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Topics;

/// <summary>What a command or a tick produced: events (already applied), a reply and deliveries.</summary>
public sealed class TopicOutput
{
    public List<ITopicEvent> Events { get; } = [];

    /// <summary>The answer to the command's sender, sent once the durable events are committed.</summary>
    public IClusterQueueMessage? Reply { get; set; }

    /// <summary>Messages to send to consumers now.</summary>
    public List<Delivery> Deliveries { get; } = [];

    /// <summary>New dead letters to forward to the dead-letter topic (with their messages).</summary>
    public List<(DeadLetter Letter, StoredMessage Message)> DeadLetters { get; } = [];

    /// <summary>Dead-letter topic: messages to send back to where they came from.</summary>
    public List<StoredMessage> Replays { get; } = [];

    /// <summary>
    /// The lowest held message the topic needed and did not have in memory: read it (and the
    /// messages after it, up to the memory window) back from the journal. Null when none.
    /// </summary>
    public long? ReadBackFrom { get; private set; }

    public IEnumerable<IDurableTopicEvent> DurableEvents => Events.OfType<IDurableTopicEvent>();

    public void AskFor(long sequenceNr) => ReadBackFrom = ReadBackFrom is { } from ? Math.Min(from, sequenceNr) : sequenceNr;
}
