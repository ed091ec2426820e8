using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using ClusterQueue.Broker.Topics;

namespace ClusterQueue.Broker.Tests.Topics;

/// <summary>The warm-up runs through the plugin ids sharding uses; in-memory plugins stand in for the SQL ones here.</summary>
public sealed class ShardingStoreWarmupSpec() : TestKit(ConfigurationFactory.ParseString(
    $$"""
    {{TopicStorage.ShardingJournalPluginId}}.class = "Akka.Persistence.Journal.MemoryJournal, Akka.Persistence"
    {{TopicStorage.ShardingSnapshotPluginId}}.class = "Akka.Persistence.Snapshot.MemorySnapshotStore, Akka.Persistence"
    """))
{
    [Fact]
    public void The_warmup_recovers_through_shardings_journal_and_snapshot_store_then_stops_having_written_nothing()
    {
        var warmup = Watch(Sys.ActorOf(ShardingStoreWarmup.Props()));

        ExpectTerminated(warmup, TimeSpan.FromSeconds(10));

        var journal = Persistence.Instance.Apply(Sys).JournalFor(TopicStorage.ShardingJournalPluginId);
        journal.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, "clusterqueue-sharding-store-warmup", TestActor));
        Assert.Equal(0, ExpectMsg<RecoverySuccess>(TimeSpan.FromSeconds(5)).HighestSequenceNr);
    }
}
