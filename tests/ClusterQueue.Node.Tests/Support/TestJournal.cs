using System.Globalization;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.Node.Configuration;
using ClusterQueue.TestSupport;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ClusterQueue.Node.Tests.Support;

/// <summary>A topic's rows in the journal: live events, the lowest live position, snapshots.</summary>
public sealed record JournalRows(long Live, long Lowest, long Snapshots);

/// <summary>
/// The journal of one test: SQLite files in the test's data folder, or a PostgreSQL database of the
/// test's own on the shared test server. Either way the nodes get a data folder.
/// </summary>
public sealed class TestJournal : IAsyncDisposable
{
    private const int Shards = 32;

    private TestJournal(JournalProvider provider, string dataDir, string? connectionString)
    {
        Provider = provider;
        DataDir = dataDir;
        ConnectionString = connectionString;
    }

    public JournalProvider Provider { get; }

    public string DataDir { get; }

    /// <summary>The PostgreSQL database; null on SQLite.</summary>
    public string? ConnectionString { get; }

    /// <summary>The node settings that select this journal.</summary>
    public IReadOnlyDictionary<string, string?> NodeSettings => Provider == JournalProvider.PostgreSql
        ? new Dictionary<string, string?> { ["CQ_JOURNAL_PROVIDER"] = "postgresql", ["CQ_JOURNAL_CONNECTION_STRING"] = ConnectionString }
        : new Dictionary<string, string?>();

    /// <summary>The same settings as options of the node executable.</summary>
    public string[] NodeArguments => Provider == JournalProvider.PostgreSql
        ? ["--journal-provider", "postgresql", "--journal-connection-string", ConnectionString!]
        : [];

    public static async Task<TestJournal> CreateAsync(JournalProvider provider)
    {
        var dataDir = Directory.CreateTempSubdirectory("cq-journal-").FullName;
        var connectionString = provider == JournalProvider.PostgreSql ? await TestPostgres.CreateDatabaseAsync() : null;
        return new TestJournal(provider, dataDir, connectionString);
    }

    public JournalRows RowsOf(string topic)
    {
        var persistenceId = TopicActor.PersistenceIdPrefix + topic;
        return new JournalRows(
            Scalar(topic, "SELECT COUNT(*) FROM journal WHERE persistence_id = @id AND deleted = FALSE", persistenceId),
            Scalar(topic, "SELECT MIN(sequence_number) FROM journal WHERE persistence_id = @id AND deleted = FALSE", persistenceId),
            Scalar(topic, "SELECT COUNT(*) FROM snapshot WHERE persistence_id = @id", persistenceId));
    }

    /// <summary>The journal position a topic's newest snapshot covers; 0 without one.</summary>
    public long SnapshotSequenceNrOf(string topic) =>
        Scalar(topic, "SELECT MAX(sequence_number) FROM snapshot WHERE persistence_id = @id", TopicActor.PersistenceIdPrefix + topic);

    private long Scalar(string topic, string sql, string id)
    {
        using var connection = Connect(topic);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@id";
        parameter.Value = id;
        command.Parameters.Add(parameter);
        var value = command.ExecuteScalar();
        return value is null or DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>Rewrites the writer id of one of a topic's journal events, as if another incarnation had written it.</summary>
    public void SetWriterOf(string topic, long sequenceNr, string writer)
    {
        using var connection = Connect(topic);
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE journal SET writer_uuid = @writer WHERE persistence_id = @id AND sequence_number = @seq";
        foreach (var (name, value) in new (string, object)[] { ("@writer", writer), ("@id", TopicActor.PersistenceIdPrefix + topic), ("@seq", sequenceNr) })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        Assert.Equal(1, command.ExecuteNonQuery());
    }

    private System.Data.Common.DbConnection Connect(string topic)
    {
        var connection = Provider == JournalProvider.PostgreSql
            ? (System.Data.Common.DbConnection)new NpgsqlConnection(ConnectionString)
            : new SqliteConnection($"Data Source={ShardFile(topic)};Pooling=False");
        connection.Open();
        return connection;
    }

    /// <summary>The SQLite file holding a topic's journal.</summary>
    public string ShardFile(string topic) => Path.Combine(DataDir, $"shard-{new TopicMessageExtractor(Shards).ShardOf(topic)}.db");

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (ConnectionString is not null)
        {
            await TestPostgres.DropDatabaseAsync(ConnectionString);
        }

        Directory.Delete(DataDir, recursive: true);
    }
}
