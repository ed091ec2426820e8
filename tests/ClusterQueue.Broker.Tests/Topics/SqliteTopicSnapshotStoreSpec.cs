using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using ClusterQueue.Broker.Serialization;
using ClusterQueue.Broker.Topics;
using Microsoft.Data.Sqlite;

namespace ClusterQueue.Broker.Tests.Topics;

/// <summary>
/// The topics' SQLite snapshot store saves and deletes itself and leaves loading to
/// Akka.Persistence.Sql, so what it writes must be what the plugin writes: checked against the
/// plugin's own store on a file of its own, and loaded back through the plugin.
/// </summary>
public sealed class SqliteTopicSnapshotStoreSpec : TestKit
{
    private const string PluginStoreId = "akka.persistence.snapshot-store.plugin-written";

    private readonly string _dataDir;

    public SqliteTopicSnapshotStoreSpec()
        : this(Directory.CreateTempSubdirectory("cq-snapshots-").FullName)
    {
    }

    private SqliteTopicSnapshotStoreSpec(string dataDir)
        : base(ConfigFor(dataDir))
    {
        _dataDir = dataDir;
    }

    private static readonly DateTime Taken = new(2026, 12, 5, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void On_SQLite_the_topic_snapshot_stores_are_the_direct_writing_store_and_on_PostgreSQL_the_plugins()
    {
        var sqlite = TopicStorage.Sqlite("/data", shardCount: 2, TimeSpan.FromSeconds(5)).ToConfig();
        var postgres = TopicStorage.PostgreSql("Host=db;Database=queue", shardCount: 2).ToConfig();

        Assert.StartsWith(typeof(SqliteTopicSnapshotStore).FullName!, sqlite.GetString($"{TopicStorage.SnapshotPluginId(1)}.class"), StringComparison.Ordinal);
        Assert.StartsWith("Akka.Persistence.Sql.Snapshot.SqlSnapshotStore,", sqlite.GetString($"{TopicStorage.ShardingSnapshotPluginId}.class"), StringComparison.Ordinal);
        Assert.StartsWith("Akka.Persistence.Sql.Snapshot.SqlSnapshotStore,", postgres.GetString($"{TopicStorage.SnapshotPluginId(1)}.class"), StringComparison.Ordinal);
    }

    [Fact]
    public void Snapshots_it_saves_load_through_the_plugin_in_the_rows_the_plugin_itself_writes()
    {
        foreach (var store in new[] { TopicStorage.SnapshotPluginId(0), PluginStoreId })
        {
            Save(store, "topic-orders", 5, new GroupCreated("g5", 5));
            Save(store, "topic-orders", 9, new GroupCreated("g9", 9));

            // The same number again replaces it, as the plugin's save does.
            Save(store, "topic-orders", 9, new GroupCreated("g9-again", 9));
        }

        Assert.Equal(Rows(Path.Combine(_dataDir, "plugin-written.db")), Rows(StorageIn(_dataDir).ShardFile(0)!));
        var loaded = Load(TopicStorage.SnapshotPluginId(0), "topic-orders", SnapshotSelectionCriteria.Latest);
        Assert.Equal((9L, Taken), (loaded!.Metadata.SequenceNr, loaded.Metadata.Timestamp));
        Assert.Equal(new GroupCreated("g9-again", 9), loaded.Snapshot);
    }

    [Fact]
    public void It_deletes_one_snapshot_or_those_up_to_a_number_and_a_time_and_keeps_the_rest()
    {
        var store = TopicStorage.SnapshotPluginId(0);
        foreach (var seq in new long[] { 1, 2, 3, 4 })
        {
            Save(store, "topic-kept", seq, new GroupCreated($"g{seq}", seq));
        }

        Save(store, "topic-other", 1, new GroupCreated("other", 1));

        Store(store).Tell(new DeleteSnapshots("topic-kept", new SnapshotSelectionCriteria(2)), TestActor);
        ExpectMsg<DeleteSnapshotsSuccess>();
        Store(store).Tell(new DeleteSnapshot(new SnapshotMetadata("topic-kept", 4, Taken)), TestActor);
        ExpectMsg<DeleteSnapshotSuccess>();
        Store(store).Tell(new DeleteSnapshots("topic-kept", new SnapshotSelectionCriteria(long.MaxValue, Taken.AddTicks(-1))), TestActor);
        ExpectMsg<DeleteSnapshotsSuccess>();

        Assert.Equal([("topic-kept", 3L), ("topic-other", 1L)], Rows(StorageIn(_dataDir).ShardFile(0)!).Select(r => (r.PersistenceId, r.SequenceNr)));
        Assert.Equal(3, Load(store, "topic-kept", SnapshotSelectionCriteria.Latest)!.Metadata.SequenceNr);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static TopicStorage StorageIn(string dataDir) => TopicStorage.Sqlite(dataDir, 1, TimeSpan.FromSeconds(5));

    private static Config ConfigFor(string dataDir) => ConfigurationFactory.ParseString(
        $$"""
        {{PluginStoreId}} {
          class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
          plugin-id = "{{PluginStoreId}}"
          provider-name = "{{TopicStorage.SqliteProvider}}"
          connection-string = "Data Source={{Path.Combine(dataDir, "plugin-written.db")}}"
          auto-initialize = on
        }
        """)
        .WithFallback(StorageIn(dataDir).ToConfig())
        .WithFallback(TopicEventSerializer.Configuration);

    private Akka.Actor.IActorRef Store(string pluginId) => Persistence.Instance.Apply(Sys).SnapshotStoreFor(pluginId);

    private void Save(string store, string persistenceId, long seq, object snapshot)
    {
        Store(store).Tell(new SaveSnapshot(new SnapshotMetadata(persistenceId, seq, Taken), snapshot), TestActor);
        ExpectMsg<SaveSnapshotSuccess>(TimeSpan.FromSeconds(10));
    }

    private SelectedSnapshot? Load(string store, string persistenceId, SnapshotSelectionCriteria criteria)
    {
        Store(store).Tell(new LoadSnapshot(persistenceId, criteria, long.MaxValue), TestActor);
        return ExpectMsg<LoadSnapshotResult>(TimeSpan.FromSeconds(10)).Snapshot;
    }

    private static List<SnapshotRow> Rows(string file)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT persistence_id, sequence_number, created, snapshot, manifest, serializer_id FROM snapshot ORDER BY persistence_id, sequence_number";
        using var reader = command.ExecuteReader();
        var rows = new List<SnapshotRow>();
        while (reader.Read())
        {
            rows.Add(new SnapshotRow(
                reader.GetString(0),
                reader.GetInt64(1),
                reader.GetInt64(2),
                Convert.ToBase64String((byte[])reader.GetValue(3)),
                reader.GetString(4),
                reader.GetInt32(5)));
        }

        return rows;
    }

    private sealed record SnapshotRow(string PersistenceId, long SequenceNr, long Created, string Snapshot, string Manifest, int SerializerId);
}
