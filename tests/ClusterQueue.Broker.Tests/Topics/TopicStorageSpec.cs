using ClusterQueue.Broker.Topics;

namespace ClusterQueue.Broker.Tests.Topics;

public sealed class TopicStorageSpec
{
    [Fact]
    public void Every_journal_and_snapshot_plugin_retries_a_failed_database_after_the_configured_time()
    {
        var storage = TopicStorage.PostgreSql("Host=db;Database=queue", shardCount: 2) with { JournalRetryAfter = TimeSpan.FromSeconds(3) };

        var config = storage.ToConfig();

        string[] plugins =
        [
            TopicStorage.ShardingJournalPluginId, TopicStorage.ShardingSnapshotPluginId,
            TopicStorage.JournalPluginId(0), TopicStorage.SnapshotPluginId(0),
            TopicStorage.JournalPluginId(1), TopicStorage.SnapshotPluginId(1),
        ];
        Assert.All(plugins, plugin => Assert.Equal(TimeSpan.FromSeconds(3), config.GetTimeSpan($"{plugin}.circuit-breaker.reset-timeout")));
    }

    [Fact]
    public void Topic_journals_send_payloads_to_the_database_as_parameters_not_as_sql_text()
    {
        var config = TopicStorage.Sqlite("/data", shardCount: 2, TimeSpan.FromSeconds(5)).ToConfig();

        Assert.True(config.GetBoolean($"{TopicStorage.JournalPluginId(0)}.prefer-parameters-on-multirow-insert"));
        Assert.True(config.GetBoolean($"{TopicStorage.JournalPluginId(1)}.prefer-parameters-on-multirow-insert"));
    }

    [Fact]
    public void A_retry_time_that_is_not_positive_is_refused()
    {
        var storage = TopicStorage.PostgreSql("Host=db;Database=queue", shardCount: 1);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => storage with { JournalRetryAfter = TimeSpan.Zero });

        Assert.Equal("JournalRetryAfter", error.ParamName);
    }

    [Fact]
    public void A_negative_takeover_fence_is_refused_and_zero_turns_it_off()
    {
        var storage = TopicStorage.PostgreSql("Host=db;Database=queue", shardCount: 1);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => storage with { TakeoverFence = TimeSpan.FromSeconds(-1) });

        Assert.Equal("TakeoverFence", error.ParamName);
        Assert.Equal(TimeSpan.Zero, (storage with { TakeoverFence = TimeSpan.Zero }).TakeoverFence);
    }
}
