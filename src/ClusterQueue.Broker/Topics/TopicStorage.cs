using Akka.Configuration;
using ClusterQueue.Protocol;
using Microsoft.Data.Sqlite;

namespace ClusterQueue.Broker.Topics;

/// <summary>
/// Where topics keep their journals. On SQLite, one database file per shard in a data folder all
/// local nodes share, so each file has one writer (the node owning the shard) and a node taking a
/// shard over opens the same file; one file written by several processes stalls for seconds.
/// Sharding's own state lives in a file of its own. On PostgreSQL, every plugin uses one database.
/// </summary>
public sealed record TopicStorage
{
    /// <summary>linq2db provider names the Akka.Persistence.Sql plugin expects.</summary>
    public const string SqliteProvider = "SQLite.MS";

    public const string PostgreSqlProvider = "PostgreSQL.15";

    /// <summary>
    /// The journal's unique (persistence id, sequence number) already makes each topic's history a
    /// single line: a second incarnation's write of a taken number fails, and a writer cannot skip
    /// one. The replay filter's default (repair-by-discard-old) guesses at writers from their ids
    /// instead, and drops on replay events of a writer id it saw before a newer one: confirmed
    /// messages (found by the chaos run, seed 99). Every event in the journal is replayed.
    /// </summary>
    private const string LinearHistory = "replay-filter.mode = off";

    /// <summary>
    /// A topic's write carries its messages' payloads. By default linq2db spells them into the
    /// INSERT's text (hex on SQLite), which the database then parses back: on the topic's node that
    /// was a sixth of all it allocated at 5,000 msg/s (655 MB in 10 s, 543 MB as parameters). As parameters they go to the database as
    /// they are. (On SQLite, <see cref="SqliteTopicJournal"/> writes without linq2db.)
    /// </summary>
    private const string TopicJournal = LinearHistory + "\nprefer-parameters-on-multirow-insert = on";

    /// <summary>The plugins sharding's coordinator and remember-entities store use.</summary>
    public const string ShardingJournalPluginId = "akka.persistence.journal.sql";

    public const string ShardingSnapshotPluginId = "akka.persistence.snapshot-store.sql";

    private const string SqlJournal = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql";

    private const string SqlSnapshotStore = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql";

    private const string SqlReadJournal = "Akka.Persistence.Sql.Query.SqlReadJournalProvider, Akka.Persistence.Sql";

    private TopicStorage(int shardCount, string providerName, string? dataDir, string? connectionString, TimeSpan busyTimeout)
    {
        if (shardCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, "at least one shard is needed");
        }

        ShardCount = shardCount;
        ProviderName = providerName;
        DataDir = dataDir;
        ConnectionString = connectionString;
        BusyTimeout = busyTimeout;
    }

    public int ShardCount { get; }

    public string ProviderName { get; }

    /// <summary>The SQLite data folder; null on PostgreSQL.</summary>
    public string? DataDir { get; }

    /// <summary>The PostgreSQL connection string; null on SQLite.</summary>
    public string? ConnectionString { get; }

    /// <summary>
    /// How long a write waits for a locked SQLite file before it fails: a shard moving between local
    /// nodes may briefly have its old owner still closing the file.
    /// </summary>
    public TimeSpan BusyTimeout { get; }

    /// <summary>
    /// A topic saves a snapshot after this many journal events, then deletes the events no message
    /// it holds needs any more. Fewer means a shorter replay on recovery and a smaller journal, more
    /// snapshot writes.
    /// </summary>
    public int SnapshotEvery
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(SnapshotEvery), value, "a topic snapshots after at least one event");
    } = 1000;

    /// <summary>
    /// True: the events of commands arriving while a write is in flight go out together in the next
    /// write. False: each command's events are written on their own; only for measuring what group
    /// commit gives.
    /// </summary>
    public bool GroupCommit { get; init; } = true;

    /// <summary>
    /// After ten journal calls in a row failed, the plugins' circuit breaker fails every call at once
    /// for this long, then lets one through to see whether the database is back. Akka.Persistence's
    /// 30 s kept topics down for 50 s after a 10 s PostgreSQL restart, their recoveries refused by
    /// the open breaker long after the server answered again.
    /// </summary>
    public TimeSpan JournalRetryAfter
    {
        get;
        init => field = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(JournalRetryAfter), value, "must be positive");
    } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// For this long after it starts, a topic deletes no journal event past those it recovered, so a
    /// stale incarnation's late write collides with its successor's events (see <see cref="DeletionFence"/>).
    /// Zero turns the fence off.
    /// </summary>
    public TimeSpan TakeoverFence
    {
        get;
        init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(TakeoverFence), value, "must not be negative");
    } = TimeSpan.FromSeconds(60);

    /// <summary>Messages past each group's cursor a topic keeps in memory; older backlog is read back from the journal.</summary>
    public int MemoryWindow
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MemoryWindow), value, "at least one message stays in memory");
    } = TopicState.DefaultMemoryWindow;

    public static TopicStorage Sqlite(string dataDir, int shardCount, TimeSpan busyTimeout) =>
        new(shardCount, SqliteProvider, dataDir, null, busyTimeout);

    public static TopicStorage PostgreSql(string connectionString, int shardCount) =>
        new(shardCount, PostgreSqlProvider, null, connectionString, TimeSpan.Zero);

    public static string JournalPluginId(int shard) => $"akka.persistence.journal.topics-{shard}";

    public static string SnapshotPluginId(int shard) => $"akka.persistence.snapshot-store.topics-{shard}";

    public static string QueryPluginId(int shard) => $"akka.persistence.query.journal.topics-{shard}";

    /// <summary>The SQLite file of one shard; null on PostgreSQL.</summary>
    public string? ShardFile(int shard) => DataDir is null ? null : Path.Combine(DataDir, $"shard-{shard}.db");

    public string ShardingFile => Path.Combine(DataDir ?? "", "sharding.db");

    public string ConnectionStringFor(int shard) => DataDir is null ? ConnectionString! : SqliteConnectionString(ShardFile(shard)!);

    public string ShardingConnectionString => DataDir is null ? ConnectionString! : SqliteConnectionString(ShardingFile);

    /// <summary>
    /// Journal, snapshot and query plugins for every shard, plus the default plugins for sharding's
    /// state. The Sql plugins fill every other key from their defaults; on SQLite the topics'
    /// journals are <see cref="SqliteTopicJournal"/> and their snapshot stores
    /// <see cref="SqliteTopicSnapshotStore"/>, the plugin's with direct writes through one
    /// connection per shard file (<see cref="SqliteShardWriter"/>).
    /// </summary>
    public Config ToConfig()
    {
        var topicJournal = DataDir is null ? SqlJournal : ClassName<SqliteTopicJournal>();
        var topicSnapshotStore = DataDir is null ? SqlSnapshotStore : ClassName<SqliteTopicSnapshotStore>();
        var blocks = new System.Text.StringBuilder();
        blocks.AppendLine(Plugin(ShardingJournalPluginId, SqlJournal, ShardingConnectionString, LinearHistory));
        blocks.AppendLine(Plugin(ShardingSnapshotPluginId, SqlSnapshotStore, ShardingConnectionString));
        for (var shard = 0; shard < ShardCount; shard++)
        {
            var connection = ConnectionStringFor(shard);
            blocks.AppendLine(Plugin(JournalPluginId(shard), topicJournal, connection, TopicJournal));
            blocks.AppendLine(Plugin(SnapshotPluginId(shard), topicSnapshotStore, connection));
            blocks.AppendLine(Plugin(QueryPluginId(shard), SqlReadJournal, connection,
                $"write-plugin = \"{JournalPluginId(shard)}\""));
        }

        return ConfigurationFactory.ParseString(blocks.ToString());
    }

    private static string ClassName<T>() => $"{typeof(T).FullName}, {typeof(T).Assembly.GetName().Name}";

    /// <summary>
    /// Creates the SQLite files in WAL mode (kept in the file once set; the plugin does not set it),
    /// so readers do not block the writer and each commit is one append and one fsync.
    /// </summary>
    public void PrepareFiles()
    {
        if (DataDir is null)
        {
            return;
        }

        Directory.CreateDirectory(DataDir);
        foreach (var file in Enumerable.Range(0, ShardCount).Select(s => ShardFile(s)!).Append(ShardingFile))
        {
            using var connection = new SqliteConnection(SqliteConnectionString(file));
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }
    }

    private string SqliteConnectionString(string file) =>
        new SqliteConnectionStringBuilder { DataSource = file, DefaultTimeout = (int)Math.Ceiling(BusyTimeout.TotalSeconds) }.ConnectionString;

    private string Plugin(string pluginId, string type, string connectionString, string extra = "") =>
        $$"""
        {{pluginId}} {
          class = "{{type}}"
          plugin-id = "{{pluginId}}"
          provider-name = "{{ProviderName}}"
          connection-string = {{HoconText.Quote(connectionString)}}
          auto-initialize = on
          circuit-breaker.reset-timeout = {{(long)JournalRetryAfter.TotalMilliseconds}}ms
          {{extra}}
        }
        """;
}
