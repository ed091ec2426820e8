using Akka.Cluster.Sharding;

namespace ClusterQueue.Protocol.Topics;

/// <summary>
/// Routes topic commands by topic name (the entity id) to one of a fixed number of shards. The
/// shard count is fixed for the cluster's life (it picks each topic's journal file); about ten
/// shards per broker node of the largest cluster expected spreads topics evenly, so the default
/// (hocon/topics.conf) is 32.
/// </summary>
public sealed class TopicMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) => message is ITopicCommand command ? command.Topic : null;

    /// <summary>The shard number a topic lives in; the same on every node and across restarts.</summary>
    public int ShardOf(string topic) => int.Parse(ShardId(topic, null), System.Globalization.CultureInfo.InvariantCulture);
}
