namespace ClusterQueue.Protocol.Topics;

/// <summary>Registry key of the topic shard region (or proxy) in the ActorRegistry.</summary>
public sealed class TopicRegion
{
    /// <summary>The sharded entity type: every node names the topic region this way.</summary>
    public const string Name = "topic";
}
