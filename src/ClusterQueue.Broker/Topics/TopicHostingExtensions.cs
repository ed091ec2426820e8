using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Topics;

public static class TopicHostingExtensions
{
    /// <summary>
    /// Hosts topic shards on this node: the per-shard journal plugins, and the shard region whose
    /// entities are <see cref="TopicActor"/>s, remembered so that a moved topic restarts at once.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterQueueTopics(
        this AkkaConfigurationBuilder builder, TopicStorage storage, TimeProvider clock)
    {
        var extractor = new TopicMessageExtractor(storage.ShardCount);
        return builder
            .AddHocon(storage.ToConfig(), HoconAddMode.Prepend)
            .WithActors((system, _) => system.ActorOf(StoreWarmup.Props(TopicStorage.QueryPluginId(0)), "store-warmup"))
            .WithShardRegion<TopicRegion>(
                TopicRegion.Name,
                topic => TopicActor.Props(topic, extractor.ShardOf(topic), TopicRegion.Name, clock, storage),
                extractor,
                new ShardOptions
                {
                    Role = NodeRoles.Broker,
                    RememberEntities = true,
                    StateStoreMode = StateStoreMode.Persistence,
                    JournalPluginId = TopicStorage.ShardingJournalPluginId,
                    SnapshotPluginId = TopicStorage.ShardingSnapshotPluginId,
                    HandOffStopMessage = TopicStop.Instance,
                });
    }

    /// <summary>
    /// Reaches topics from a member that hosts none (role client): a shard region proxy that routes
    /// each command to the broker node hosting its topic.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterQueueTopicProxy(this AkkaConfigurationBuilder builder, int shardCount) =>
        builder.WithShardRegionProxy<TopicRegion>(TopicRegion.Name, NodeRoles.Broker, new TopicMessageExtractor(shardCount));
}
