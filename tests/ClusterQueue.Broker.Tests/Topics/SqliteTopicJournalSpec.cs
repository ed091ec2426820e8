using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using ClusterQueue.Broker.Serialization;
using ClusterQueue.Broker.Topics;
using Microsoft.Data.Sqlite;

namespace ClusterQueue.Broker.Tests.Topics;

/// <summary>
/// The topics' SQLite journal writes itself and leaves everything else to Akka.Persistence.Sql, so
/// what it writes must be what the plugin writes: checked against the plugin's own journal on a file
/// of its own, and read back through the plugin's replay.
/// </summary>
public sealed class SqliteTopicJournalSpec : TestKit
{
    private const string PluginJournalId = "akka.persistence.journal.plugin-written";

    private readonly string _dataDir;

    public SqliteTopicJournalSpec()
        : this(Directory.CreateTempSubdirectory("cq-journal-").FullName)
    {
    }

    private SqliteTopicJournalSpec(string dataDir)
        : base(ConfigFor(dataDir))
    {
        _dataDir = dataDir;
    }

    private TopicStorage Storage => StorageIn(_dataDir);

    private string PluginFile => Path.Combine(_dataDir, "plugin-written.db");

    [Fact]
    public void On_SQLite_the_topic_journals_are_the_direct_writing_journal_and_on_PostgreSQL_the_plugins()
    {
        var sqlite = TopicStorage.Sqlite("/data", shardCount: 2, TimeSpan.FromSeconds(5)).ToConfig();
        var postgres = TopicStorage.PostgreSql("Host=db;Database=queue", shardCount: 2).ToConfig();

        Assert.StartsWith(typeof(SqliteTopicJournal).FullName!, sqlite.GetString($"{TopicStorage.JournalPluginId(1)}.class"), StringComparison.Ordinal);
        Assert.StartsWith("Akka.Persistence.Sql.Journal.SqlWriteJournal,", sqlite.GetString($"{TopicStorage.ShardingJournalPluginId}.class"), StringComparison.Ordinal);
        Assert.StartsWith("Akka.Persistence.Sql.Journal.SqlWriteJournal,", postgres.GetString($"{TopicStorage.JournalPluginId(1)}.class"), StringComparison.Ordinal);
    }

    [Fact]
    public void Events_it_writes_replay_through_the_plugin_in_the_rows_the_plugin_itself_writes()
    {
        var topicJournal = Journal(TopicStorage.JournalPluginId(0));
        Write(topicJournal, Events("topic-orders", 1, 2), Events("topic-orders", 3, 3));
        ExpectWritten(3);
        Write(Journal(PluginJournalId), Events("topic-orders", 1, 2), Events("topic-orders", 3, 3));
        ExpectWritten(3);

        topicJournal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "topic-orders", TestActor));
        var replayed = Enumerable.Range(0, 3).Select(_ => ExpectMsg<ReplayedMessage>().Persistent).ToList();
        Assert.Equal(3, ExpectMsg<RecoverySuccess>().HighestSequenceNr);
        Assert.Equal(new long[] { 1, 2, 3 }, replayed.Select(p => p.SequenceNr));
        Assert.Equal(new object[] { new GroupCreated("g1", 1), new GroupCreated("g2", 2), new GroupCreated("g3", 3) }, replayed.Select(p => p.Payload));

        var ours = Rows(Storage.ShardFile(0)!);
        var plugins = Rows(PluginFile);
        Assert.Equal(plugins.Select(r => r with { Created = 0, WriterUuid = "" }), ours.Select(r => r with { Created = 0, WriterUuid = "" }));
        Assert.All(ours, row => Assert.InRange(new DateTime(row.Created, DateTimeKind.Utc), DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow));
        Assert.All(ours, row => Assert.Equal(32, row.WriterUuid.Length));
    }

    [Fact]
    public void Deletions_leave_the_rows_the_plugins_deletions_leave_and_the_highest_sequence_number_known()
    {
        var topicJournal = Journal(TopicStorage.JournalPluginId(0));
        var pluginJournal = Journal(PluginJournalId);
        foreach (var journal in new[] { topicJournal, pluginJournal })
        {
            Write(journal, Events("topic-trimmed", 1, 5), Events("topic-gone", 1, 3), Events("topic-kept", 1, 2));
            ExpectWritten(10);
            journal.Tell(new DeleteMessagesTo("topic-trimmed", 3, TestActor));
            Assert.Equal(3, ExpectMsg<DeleteMessagesSuccess>().ToSequenceNr);
            journal.Tell(new DeleteMessagesTo("topic-gone", long.MaxValue, TestActor));
            ExpectMsg<DeleteMessagesSuccess>();
        }

        var ours = Rows(Storage.ShardFile(0)!);
        Assert.Equal(
            Rows(PluginFile).Select(r => r with { Created = 0, WriterUuid = "" }),
            ours.Select(r => r with { Created = 0, WriterUuid = "" }));
        Assert.Equal(
            new[] { ("topic-trimmed", 3L, 1L), ("topic-trimmed", 4, 0), ("topic-trimmed", 5, 0), ("topic-gone", 3, 1), ("topic-kept", 1, 0), ("topic-kept", 2, 0) },
            ours.Select(r => (r.PersistenceId, r.SequenceNr, r.Deleted)));

        topicJournal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "topic-gone", TestActor));
        Assert.Equal(3, ExpectMsg<RecoverySuccess>().HighestSequenceNr);
        topicJournal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "topic-trimmed", TestActor));
        Assert.Equal(new long[] { 4, 5 }, new[] { ExpectMsg<ReplayedMessage>(), ExpectMsg<ReplayedMessage>() }.Select(r => r.Persistent.SequenceNr));
        Assert.Equal(5, ExpectMsg<RecoverySuccess>().HighestSequenceNr);
    }

    [Fact]
    public void A_batch_holding_a_taken_sequence_number_fails_whole_and_confirms_none_of_it()
    {
        var topicJournal = Journal(TopicStorage.JournalPluginId(0));
        Write(topicJournal, Events("topic-taken", 1, 1));
        ExpectWritten(1);

        Write(topicJournal, Events("topic-taken", 2, 2), Events("topic-taken", 1, 1));
        ExpectMsg<WriteMessagesFailed>();
        ExpectMsg<WriteMessageFailure>();
        ExpectMsg<WriteMessageFailure>();

        // The journal writes on after a failed batch.
        Write(topicJournal, Events("topic-taken", 2, 2));
        ExpectWritten(1);
        topicJournal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "topic-taken", TestActor));
        Assert.Equal(new long[] { 1, 2 }, new[] { ExpectMsg<ReplayedMessage>(), ExpectMsg<ReplayedMessage>() }.Select(r => r.Persistent.SequenceNr));
        Assert.Equal(2, ExpectMsg<RecoverySuccess>().HighestSequenceNr);
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
        {{PluginJournalId}} {
          class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql"
          plugin-id = "{{PluginJournalId}}"
          provider-name = "{{TopicStorage.SqliteProvider}}"
          connection-string = "Data Source={{Path.Combine(dataDir, "plugin-written.db")}}"
          auto-initialize = on
        }
        """)
        .WithFallback(StorageIn(dataDir).ToConfig())
        .WithFallback(TopicEventSerializer.Configuration);

    private static AtomicWrite Events(string persistenceId, long from, long to) =>
        new(Enumerable.Range((int)from, (int)(to - from + 1))
            .Select(n => (IPersistentRepresentation)new Persistent(new GroupCreated($"g{n}", n), n, persistenceId, string.Empty, false, ActorRefs.NoSender, "writer"))
            .ToImmutableList());

    private static List<JournalRow> Rows(string file)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid FROM journal ORDER BY ordering";
        using var reader = command.ExecuteReader();
        var rows = new List<JournalRow>();
        while (reader.Read())
        {
            rows.Add(new JournalRow(
                reader.GetInt64(0),
                reader.GetInt64(1),
                reader.GetString(2),
                reader.GetInt64(3),
                Convert.ToBase64String((byte[])reader.GetValue(4)),
                reader.GetString(5),
                reader.GetInt32(6),
                reader.GetString(7)));
        }

        return rows;
    }

    private IActorRef Journal(string pluginId) => Persistence.Instance.Apply(Sys).JournalFor(pluginId);

    private void Write(IActorRef journal, params AtomicWrite[] writes) =>
        journal.Tell(new WriteMessages(writes, TestActor, actorInstanceId: 1));

    private void ExpectWritten(int events)
    {
        ExpectMsg<WriteMessagesSuccessful>(TimeSpan.FromSeconds(10));
        for (var i = 0; i < events; i++)
        {
            ExpectMsg<WriteMessageSuccess>();
        }
    }

    private sealed record JournalRow(long Created, long Deleted, string PersistenceId, long SequenceNr, string Message, string Manifest, int Identifier, string WriterUuid);
}
