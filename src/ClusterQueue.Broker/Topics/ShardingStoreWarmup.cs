using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ClusterQueue.Broker.Topics;

/// <summary>
/// Recovers an empty persistence id through sharding's journal and snapshot store once, when the
/// node starts, then stops. The first recovery through a plugin on a node pays for starting it
/// (its tables checked, its queries compiled): about a second, measured. Without this, that second
/// fell on the first shard the node took over from a failed node, before that shard's topics could
/// start (the shard waits for its remembered topics). Writes nothing.
/// </summary>
public sealed class ShardingStoreWarmup : ReceivePersistentActor
{
    private readonly System.Diagnostics.Stopwatch _started = System.Diagnostics.Stopwatch.StartNew();

    public ShardingStoreWarmup()
    {
        JournalPluginId = TopicStorage.ShardingJournalPluginId;
        SnapshotPluginId = TopicStorage.ShardingSnapshotPluginId;
        Recover<RecoveryCompleted>(_ =>
        {
            Context.GetLogger().Debug("Sharding's journal and snapshot store answered a first recovery in {0:0} ms", _started.Elapsed.TotalMilliseconds);
            Context.Stop(Self);
        });
        Recover<object>(_ => { });
    }

    /// <summary>Never written: the id only gives the recovery something to look up.</summary>
    public override string PersistenceId => "clusterqueue-sharding-store-warmup";

    public static Props Props() => Akka.Actor.Props.Create(() => new ShardingStoreWarmup());
}
