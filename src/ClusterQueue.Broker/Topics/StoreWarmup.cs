using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;

namespace ClusterQueue.Broker.Topics;

/// <summary>
/// When the node starts, recovers an empty persistence id through sharding's journal and snapshot
/// store, then reads an empty one through a topic's read journal, then stops. The first use of a
/// plugin on a node pays for starting it (its tables checked, its queries compiled): about a
/// second for sharding's, measured, which otherwise fell on the first shard the node took over
/// from a failed node (the shard waits for its remembered topics); and a few hundred
/// milliseconds for the first read back, which otherwise delayed the first delivery of a topic
/// that moved here. Writes nothing.
/// </summary>
public sealed class StoreWarmup : ReceivePersistentActor
{
    private readonly System.Diagnostics.Stopwatch _started = System.Diagnostics.Stopwatch.StartNew();

    public StoreWarmup(string topicQueryPluginId)
    {
        JournalPluginId = TopicStorage.ShardingJournalPluginId;
        SnapshotPluginId = TopicStorage.ShardingSnapshotPluginId;
        var log = Context.GetLogger();
        Recover<RecoveryCompleted>(_ =>
        {
            log.Debug("Sharding's journal and snapshot store answered a first recovery in {0:0} ms", _started.Elapsed.TotalMilliseconds);
            PersistenceQuery.Get(Context.System)
                .ReadJournalFor<SqlReadJournal>(topicQueryPluginId)
                .CurrentEventsByPersistenceId(ReadPersistenceId, 0, long.MaxValue)
                .RunForeach(_ => { }, Context.System.Materializer())
                .PipeTo(Self, success: () => ReadDone.Instance, failure: cause => new Status.Failure(cause));
        });
        Recover<object>(_ => { });
        Command<ReadDone>(_ =>
        {
            log.Debug("A topic's read journal answered a first read in {0:0} ms", _started.Elapsed.TotalMilliseconds);
            Context.Stop(Self);
        });
        Command<Status.Failure>(failed =>
        {
            // Only a warm-up: the topic that first reads here reports a journal that cannot be read.
            log.Warning("Warming up a topic's read journal failed: {0}", failed.Cause.Message);
            Context.Stop(Self);
        });
    }

    /// <summary>Never written: the id only gives the recovery something to look up.</summary>
    public override string PersistenceId => "clusterqueue-sharding-store-warmup";

    /// <summary>Never written either: what the read through a topic's read journal looks up.</summary>
    public const string ReadPersistenceId = "clusterqueue-read-journal-warmup";

    /// <param name="topicQueryPluginId">The read journal of one topic shard; the rest share what its first read compiles.</param>
    public static Props Props(string topicQueryPluginId) => Akka.Actor.Props.Create(() => new StoreWarmup(topicQueryPluginId));

    private sealed class ReadDone
    {
        public static readonly ReadDone Instance = new();
    }
}
