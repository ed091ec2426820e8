using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;
using ClusterQueue.Node.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ClusterQueue.Node.Tests;

/// <summary>
/// The topic contract on a real node, once per journal (SQLite files per shard; PostgreSQL):
/// sharding, the journal, restart and recovery.
/// </summary>
public abstract class TopicOnANodeSpec(JournalProvider provider) : IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly IReadOnlyList<int> _ports = FreePorts.Take(2);
    private InProcessNode _node = null!;

    protected TestJournal Journal { get; private set; } = null!;

    protected InProcessNode Node => _node;

    public async Task InitializeAsync()
    {
        Journal = await TestJournal.CreateAsync(provider);
        _node = await StartNode();
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await Journal.DisposeAsync();
    }

    private async Task<InProcessNode> StartNode()
    {
        var node = await InProcessNode.StartAsync(_ports[0], _ports[1], [_ports[0]], Journal.DataDir, settings: Journal.NodeSettings);
        await Eventually.Holds("the node is Up", () => node.SeesOnlyUp(1), Timeout);
        return node;
    }

    protected IActorRef Topics => ActorRegistry.For(Node.System).Get<TopicRegion>();

    protected async Task<T> Ask<T>(ITopicCommand command) => await Topics.Ask<T>(command, Timeout);

    private static async Task<T> Receive<T>(Inbox inbox) => Assert.IsType<T>(await inbox.ReceiveAsync(Timeout));

    protected static OutgoingMessage Text(long producerSeq, string text) => new(producerSeq, Encoding.UTF8.GetBytes(text));

    [JournalFact]
    public async Task A_topic_confirms_delivers_and_after_a_restart_delivers_unacked_messages_again()
    {
        var published = await Ask<PublishResult>(new Publish("orders", "p1", [Text(1, "a"), Text(2, "b"), Text(3, "c")]));
        Assert.Equal([1L, 2L, 3L], published.Outcomes.Select(o => o.SequenceNr));

        var consumer = Inbox.Create(Node.System);
        consumer.Send(Topics, new Subscribe("orders", "billing", "c1", StartPosition.Earliest, 10));
        await Receive<Subscribed>(consumer);
        var delivery = await Receive<Delivery>(consumer);
        Assert.Equal([1L, 2L, 3L], delivery.Messages.Select(m => m.Message.SequenceNr));
        consumer.Send(Topics, new Ack("orders", "billing", [1, 2]));
        Assert.Equal(2, (await Receive<AckResult>(consumer)).Applied);

        await _node.DisposeAsync();
        _node = await StartNode();

        var retry = await Ask<PublishResult>(new Publish("orders", "p1", [Text(3, "c")]));
        Assert.Equal([PublishOutcome.Repeated(3, 3)], retry.Outcomes);
        var again = Inbox.Create(Node.System);
        again.Send(Topics, new Subscribe("orders", "billing", "c2", StartPosition.Earliest, 10));
        await Receive<Subscribed>(again);
        var redelivered = Assert.Single((await Receive<Delivery>(again)).Messages);
        Assert.Equal(3, redelivered.Message.SequenceNr);
        Assert.Equal(2, redelivered.Attempt);
        Assert.Equal("c", Encoding.UTF8.GetString(redelivered.Message.Payload));
    }

    [JournalFact]
    public async Task A_message_out_of_deliveries_reaches_the_dead_letter_topic_with_its_group_and_reason()
    {
        await Ask<TopicConfigured>(new ConfigureTopic("payments", TopicSettings.Default with { MaxDeliveries = 1 }));
        await Ask<PublishResult>(new Publish("payments", "p1", [Text(1, "poison")]));
        var consumer = Inbox.Create(Node.System);
        consumer.Send(Topics, new Subscribe("payments", "billing", "c1", StartPosition.Earliest, 1));
        await Receive<Subscribed>(consumer);
        await Receive<Delivery>(consumer);

        consumer.Send(Topics, new Nack("payments", "billing", [1]));
        await Receive<AckResult>(consumer);

        await Eventually.Holds(
            "the dead-letter topic holds the message",
            async () => await Topics.Ask<object>(new GetTopicStats("payments.dlq"), Timeout) is TopicStats { Pending: 1 },
            Timeout);
        var dead = Assert.Single((await Ask<PeekResult>(new Peek("payments.dlq", 10))).Messages);
        Assert.Equal("poison", Encoding.UTF8.GetString(dead.Payload));
        Assert.Equal("payments", dead.Headers[DeadLetterHeaders.Topic]);
        Assert.Equal("billing", dead.Headers[DeadLetterHeaders.Group]);
        Assert.Equal("MaxDeliveries", dead.Headers[DeadLetterHeaders.Reason]);
        Assert.Equal("1", dead.Headers[DeadLetterHeaders.Attempts]);
        await Eventually.Holds(
            "the source topic let the dead letter go once the dead-letter topic confirmed it",
            async () => (await Ask<TopicStats>(new GetTopicStats("payments"))).Pending == 0,
            Timeout);
    }

    [JournalFact]
    public async Task Replaying_the_dead_letter_topic_sends_a_message_back_to_its_group_only()
    {
        await Ask<TopicConfigured>(new ConfigureTopic("invoices", TopicSettings.Default with { MaxDeliveries = 1 }));
        var billing = Inbox.Create(Node.System);
        billing.Send(Topics, new Subscribe("invoices", "billing", "b1", StartPosition.New, 1));
        await Receive<Subscribed>(billing);
        var audit = Inbox.Create(Node.System);
        audit.Send(Topics, new Subscribe("invoices", "audit", "a1", StartPosition.New, 1));
        await Receive<Subscribed>(audit);
        await Ask<PublishResult>(new Publish("invoices", "p1", [Text(1, "flaky")]));
        Assert.Equal(1, Assert.Single((await Receive<Delivery>(billing)).Messages).Attempt);
        var audited = Assert.Single((await Receive<Delivery>(audit)).Messages);
        audit.Send(Topics, new Ack("invoices", "audit", [audited.Message.SequenceNr]));
        await Receive<AckResult>(audit);
        billing.Send(Topics, new Nack("invoices", "billing", [1]));
        await Receive<AckResult>(billing);
        await Eventually.Holds(
            "the dead-letter topic holds the message",
            async () => await Topics.Ask<object>(new GetTopicStats("invoices.dlq"), Timeout) is TopicStats { Pending: 1 },
            Timeout);

        var replayed = await Ask<DeadLettersReplayed>(new ReplayDeadLetters("invoices.dlq", 0));

        Assert.Equal(1, replayed.Count);
        var back = Assert.Single((await Receive<Delivery>(billing)).Messages);
        Assert.Equal("flaky", Encoding.UTF8.GetString(back.Message.Payload));
        Assert.Equal(1, back.Attempt);
        Assert.DoesNotContain(back.Message.Headers.Keys, k => k.StartsWith(DeadLetterHeaders.Prefix, StringComparison.Ordinal));
        Assert.Null(await audit.ReceiveAsync(TimeSpan.FromMilliseconds(500)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null));
        await Eventually.Holds(
            "the dead-letter topic is empty once the topic confirmed the replay",
            async () => await Topics.Ask<object>(new GetTopicStats("invoices.dlq"), Timeout) is TopicStats { Pending: 0 },
            Timeout);
    }

    [JournalFact]
    public async Task Publishes_committed_in_one_write_reach_a_consumer_in_one_delivery()
    {
        const int publishes = 20;
        var consumer = Inbox.Create(Node.System);
        consumer.Send(Topics, new Subscribe("events", "audit", "c1", StartPosition.New, 100));
        await Receive<Subscribed>(consumer);

        // Sent at once: the first goes out alone, the rest queue behind its write (group commit).
        var producer = Inbox.Create(Node.System);
        for (var n = 1; n <= publishes; n++)
        {
            producer.Send(Topics, new Publish("events", "p1", [Text(n, $"e{n}")]));
        }

        for (var n = 1; n <= publishes; n++)
        {
            await Receive<PublishResult>(producer);
        }

        var deliveries = new List<Delivery>();
        while (deliveries.Sum(d => d.Messages.Count) < publishes)
        {
            deliveries.Add(await Receive<Delivery>(consumer));
        }

        Assert.Equal(Enumerable.Range(1, publishes).Select(n => (long)n), deliveries.SelectMany(d => d.Messages).Select(m => m.Message.SequenceNr));
        // One delivery per write, not one per publish command.
        Assert.InRange(deliveries.Count, 1, publishes / 2);
    }

    [JournalFact]
    public async Task A_delivery_nobody_waited_for_is_still_counted_after_a_restart()
    {
        var consumer = Inbox.Create(Node.System);
        consumer.Send(Topics, new Subscribe("shipments", "ops", "c1", StartPosition.New, 10));
        await Receive<Subscribed>(consumer);
        await Ask<PublishResult>(new Publish("shipments", "p1", [Text(1, "crate")]));
        // Its lease is written in the background: no command waits for it.
        Assert.Equal(1, Assert.Single((await Receive<Delivery>(consumer)).Messages).Attempt);

        await _node.DisposeAsync();
        _node = await StartNode();

        var again = Inbox.Create(Node.System);
        again.Send(Topics, new Subscribe("shipments", "ops", "c2", StartPosition.New, 10));
        await Receive<Subscribed>(again);
        var redelivered = Assert.Single((await Receive<Delivery>(again)).Messages);
        Assert.Equal((1L, 2), (redelivered.Message.SequenceNr, redelivered.Attempt));
    }

    [JournalFact]
    public async Task Bad_input_gets_an_error_naming_the_problem_and_the_topic_keeps_serving()
    {
        var error = await Ask<TopicError>(new Subscribe("orders", "bad group", "c1", StartPosition.New, 1));
        Assert.Equal(ErrorCode.InvalidGroupName, error.Code);

        var published = await Ask<PublishResult>(new Publish("orders", "p1", [Text(1, "still here")]));

        Assert.True(Assert.Single(published.Outcomes).Confirmed);
    }
}

[Collection(ClusterNodesTests.Name)]
public sealed class TopicOnSqliteSpec() : TopicOnANodeSpec(JournalProvider.Sqlite)
{
    [JournalFact]
    public async Task Each_shard_has_its_own_SQLite_file_in_WAL_mode_with_full_sync()
    {
        await Ask<PublishResult>(new Publish("orders", "p1", [Text(1, "a")]));

        using var connection = new SqliteConnection($"Data Source={Journal.ShardFile("orders")};Pooling=False");
        connection.Open();
        string Pragma(string name)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA {name};";
            return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture)!;
        }

        Assert.True(Journal.RowsOf("orders").Live >= 2);
        Assert.Equal("wal", Pragma("journal_mode"));
        Assert.Equal("2", Pragma("synchronous"));
        Assert.True(File.Exists(Path.Combine(Journal.DataDir, "sharding.db")));
    }
}

[Collection(ClusterNodesTests.Name)]
public sealed class TopicOnPostgreSqlSpec() : TopicOnANodeSpec(JournalProvider.PostgreSql), IRunsOnPostgreSql
{
    [JournalFact]
    public async Task The_journal_commits_with_fsync_and_synchronous_commit_on()
    {
        await Ask<PublishResult>(new Publish("orders", "p1", [Text(1, "a")]));

        // The connection string the topic's journal plugin was given, so its sessions are checked.
        var shard = new TopicMessageExtractor(32).ShardOf("orders");
        var journalConnection = Node.System.Settings.Config.GetString($"{TopicStorage.JournalPluginId(shard)}.connection-string");
        await using var connection = new NpgsqlConnection(journalConnection);
        await connection.OpenAsync();
        async Task<string> Show(string name)
        {
            await using var command = new NpgsqlCommand($"SHOW {name}", connection);
            return (string)(await command.ExecuteScalarAsync())!;
        }

        Assert.True(Journal.RowsOf("orders").Live >= 2);
        Assert.Equal("on", await Show("synchronous_commit"));
        Assert.Equal("on", await Show("fsync"));
    }
}
