using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;

namespace ClusterQueue.Broker.Topics;

/// <summary>
/// When the node starts, recovers an empty persistence id through sharding's journal and snapshot
/// store, then reads an empty one through every topic shard's read journal, one after another,
/// then stops. The first use of a plugin on a node pays for starting it (its tables checked, its
/// queries compiled): about a second for sharding's, measured, which otherwise fell on the first
/// shard the node took over from a failed node (the shard waits for its remembered topics); and
/// for each shard's read journal, what a topic that moved here otherwise paid reading its
/// payloads back (its recovery took 190-300 ms with only shard 0's warmed, 160-240 ms with all).
/// One at a time: all at once, on three nodes starting together on 2 cores, stalled their
/// cluster's forming. Writes nothing.
/// </summary>
public sealed class StoreWarmup : ReceivePersistentActor
{
    private readonly System.Diagnostics.Stopwatch _started = System.Diagnostics.Stopwatch.StartNew();

    private int _shard;

    public StoreWarmup(int shardCount)
    {
        JournalPluginId = TopicStorage.ShardingJournalPluginId;
        SnapshotPluginId = TopicStorage.ShardingSnapshotPluginId;
        var log = Context.GetLogger();
        Recover<RecoveryCompleted>(_ =>
        {
            log.Debug("Sharding's journal and snapshot store answered a first recovery in {0:0} ms", _started.Elapsed.TotalMilliseconds);
            ReadThrough(_shard);
        });
        Recover<object>(_ => { });
        Command<ReadDone>(_ =>
        {
            log.Debug("Shard {0}'s read journal answered a first read after {1:0} ms", _shard, _started.Elapsed.TotalMilliseconds);
            if (++_shard < shardCount)
            {
                ReadThrough(_shard);
            }
            else
            {
                Context.Stop(Self);
            }
        });
        Command<Status.Failure>(failed =>
        {
            // Only a warm-up: the topic that first reads here reports a journal that cannot be read.
            log.Warning("Warming up a topic's read journal failed: {0}", failed.Cause.Message);
            Context.Stop(Self);
        });
    }

    private void ReadThrough(int shard) =>
        PersistenceQuery.Get(Context.System)
            .ReadJournalFor<SqlReadJournal>(TopicStorage.QueryPluginId(shard))
            .CurrentEventsByPersistenceId(ReadPersistenceId, 0, long.MaxValue)
            .RunForeach(_ => { }, Context.System.Materializer())
            .PipeTo(Self, success: () => ReadDone.Instance, failure: cause => new Status.Failure(cause));

    /// <summary>Never written: the id only gives the recovery something to look up.</summary>
    public override string PersistenceId => "clusterqueue-sharding-store-warmup";

    /// <summary>Never written either: what the read through a topic's read journal looks up.</summary>
    public const string ReadPersistenceId = "clusterqueue-read-journal-warmup";

    /// <param name="shardCount">Every topic shard's read journal is read through, one after another.</param>
    public static Props Props(int shardCount) => Akka.Actor.Props.Create(() => new StoreWarmup(shardCount));

    private sealed class ReadDone
    {
        public static readonly ReadDone Instance = new();
    }
}
