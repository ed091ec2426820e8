using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using ClusterQueue.Broker.Topics;

namespace ClusterQueue.Broker.Tests.Topics;

/// <summary>The warm-up runs through the plugins a node configures, on SQLite files in a folder of its own.</summary>
public sealed class StoreWarmupSpec() : TestKit(Storage.ToConfig())
{
    private static readonly string DataDir = Directory.CreateTempSubdirectory("cq-warmup-").FullName;
    private static readonly TopicStorage Storage = TopicStorage.Sqlite(DataDir, 1, TimeSpan.FromSeconds(5));

    [Fact]
    public void The_warmup_recovers_through_shardings_stores_and_reads_through_a_topics_read_journal_then_stops_having_written_nothing()
    {
        EventFilter.Warning(contains: "Warming up").Expect(0, TimeSpan.FromMilliseconds(500), () =>
        {
            var warmup = Watch(Sys.ActorOf(StoreWarmup.Props(TopicStorage.QueryPluginId(0))));
            ExpectTerminated(warmup, TimeSpan.FromSeconds(20));
        });

        var sharding = Persistence.Instance.Apply(Sys).JournalFor(TopicStorage.ShardingJournalPluginId);
        sharding.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, "clusterqueue-sharding-store-warmup", TestActor));
        Assert.Equal(0, ExpectMsg<RecoverySuccess>(TimeSpan.FromSeconds(10)).HighestSequenceNr);
        var topics = Persistence.Instance.Apply(Sys).JournalFor(TopicStorage.JournalPluginId(0));
        topics.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, StoreWarmup.ReadPersistenceId, TestActor));
        Assert.Equal(0, ExpectMsg<RecoverySuccess>(TimeSpan.FromSeconds(10)).HighestSequenceNr);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Directory.Delete(DataDir, recursive: true);
    }
}
