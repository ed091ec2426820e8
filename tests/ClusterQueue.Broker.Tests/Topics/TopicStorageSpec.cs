using ClusterQueue.Broker.Topics;
using LinqToDB.Data;

namespace ClusterQueue.Broker.Tests.Topics;

public sealed class TopicStorageSpec : IDisposable
{
    private readonly DirectoryInfo _dataDir = Directory.CreateTempSubdirectory("cq-storage-");

    public void Dispose() => _dataDir.Delete(recursive: true);

    [Fact]
    public void Every_sqlite_plugin_opens_connections_that_wait_for_a_locked_file_inside_sqlite()
    {
        var storage = TopicStorage.Sqlite(_dataDir.FullName, shardCount: 2, busyTimeout: TimeSpan.FromSeconds(7));
        storage.PrepareFiles();
        var setup = storage.SqliteConnectionSetup()!;
        var pluginIds = new[] { TopicStorage.ShardingJournalPluginId, TopicStorage.ShardingSnapshotPluginId }
            .Concat(Enumerable.Range(0, 2).SelectMany(s => new[] { TopicStorage.JournalPluginId(s), TopicStorage.SnapshotPluginId(s), TopicStorage.QueryPluginId(s) }));

        foreach (var pluginId in pluginIds)
        {
            Assert.True(setup.TryGetDataOptionsFor(pluginId, out var options), pluginId);
            using var connection = new DataConnection(options!);
            Assert.Equal(7000L, connection.Execute<long>("PRAGMA busy_timeout"));
            Assert.Equal(storage.ToConfig().GetString($"{pluginId}.connection-string"), connection.ConnectionString);
        }
    }

    [Fact]
    public void PostgreSql_plugins_keep_their_configured_connections()
    {
        var storage = TopicStorage.PostgreSql("Host=127.0.0.1;Database=cq", shardCount: 2);

        Assert.Null(storage.SqliteConnectionSetup());
    }
}
