using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;
using Microsoft.Data.Sqlite;

namespace ClusterQueue.Node.Tests;

/// <summary>
/// Snapshots on a real node: a topic snapshots every few events and deletes the journal no held
/// message needs, then recovers from the snapshot, the payloads read back, and the events after it.
/// </summary>
[Collection(ClusterNodesTests.Name)]
public sealed class TopicRecoverySpec : IAsyncLifetime
{
    private const int SnapshotEvery = 5;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("cq-recovery-").FullName;
    private readonly IReadOnlyList<int> _ports = FreePorts.Take(2);
    private string _config = null!;
    private InProcessNode _node = null!;

    private string DataDir => Path.Combine(_dir, "data");

    public async Task InitializeAsync()
    {
        _config = Path.Combine(_dir, "test.conf");
        await File.WriteAllTextAsync(
            _config,
            await File.ReadAllTextAsync(NodeProcess.TestingConfig) + $"\nclusterqueue.topics.snapshot-every = {SnapshotEvery}\n");
        _node = await StartNode();
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<InProcessNode> StartNode()
    {
        var node = await InProcessNode.StartAsync(_ports[0], _ports[1], [_ports[0]], DataDir, _config);
        await Eventually.Holds("the node is Up", () => node.SeesOnlyUp(1), Timeout);
        return node;
    }

    private IActorRef Topics => ActorRegistry.For(_node.System).Get<TopicRegion>();

    private async Task<T> Ask<T>(ITopicCommand command) => await Topics.Ask<T>(command, Timeout);

    private static async Task<T> Receive<T>(Inbox inbox) => Assert.IsType<T>(await inbox.ReceiveAsync(Timeout));

    private static OutgoingMessage Text(long producerSeq, string text, string? messageId = null) =>
        new(producerSeq, Encoding.UTF8.GetBytes(text), MessageId: messageId);

    private static async Task<List<DeliveredMessage>> ReceiveMessages(Inbox consumer, int count)
    {
        var received = new List<DeliveredMessage>();
        while (received.Count < count)
        {
            received.AddRange((await Receive<Delivery>(consumer)).Messages);
        }

        return received;
    }

    /// <summary>Journal rows of a topic: (live rows, lowest live journal position, snapshots).</summary>
    private (long Live, long Lowest, long Snapshots) JournalOf(string topic)
    {
        var shard = new TopicMessageExtractor(32).ShardOf(topic);
        using var connection = new SqliteConnection($"Data Source={Path.Combine(DataDir, $"shard-{shard}.db")};Pooling=False");
        connection.Open();
        long Scalar(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$id", TopicActor.PersistenceIdPrefix + topic);
            var value = command.ExecuteScalar();
            return value is null or DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
        }

        return (
            Scalar("SELECT COUNT(*) FROM journal WHERE persistence_id = $id AND deleted = 0;"),
            Scalar("SELECT MIN(sequence_number) FROM journal WHERE persistence_id = $id AND deleted = 0;"),
            Scalar("SELECT COUNT(*) FROM snapshot WHERE persistence_id = $id;"));
    }

    [Fact]
    public async Task A_topic_recovers_pending_messages_groups_and_dedup_from_its_snapshot_with_leases_back_to_deliverable()
    {
        var settings = TopicSettings.Default with { MessageIdWindow = 100 };
        await Ask<TopicConfigured>(new ConfigureTopic("orders", settings));
        var billing = Inbox.Create(_node.System);
        billing.Send(Topics, new Subscribe("orders", "billing", "b1", StartPosition.Earliest, 2));
        await Receive<Subscribed>(billing);
        var audit = Inbox.Create(_node.System);
        audit.Send(Topics, new Subscribe("orders", "audit", "a1", StartPosition.Earliest, 100));
        await Receive<Subscribed>(audit);

        for (var n = 1; n <= 20; n++)
        {
            await Ask<PublishResult>(new Publish("orders", "p1", [Text(n, $"m{n}", $"id-{n}")]));
        }

        var billed = await ReceiveMessages(billing, 2);
        Assert.Equal([1L, 2L], billed.Select(m => m.Message.SequenceNr));
        billing.Send(Topics, new Ack("orders", "billing", [1]));
        await Receive<AckResult>(billing);
        var leased = await ReceiveMessages(billing, 1);
        Assert.Equal(3, Assert.Single(leased).Message.SequenceNr);

        // One ack per write, so snapshots come after message 1 is done.
        foreach (var message in await ReceiveMessages(audit, 20))
        {
            audit.Send(Topics, new Ack("orders", "audit", [message.Message.SequenceNr]));
            Assert.Equal(1, (await Receive<AckResult>(audit)).Applied);
        }

        var before = await Ask<TopicStats>(new GetTopicStats("orders"));
        Assert.Equal(19, before.Pending);
        Assert.Equal(2, before.InFlight);

        // Message 1 is done, so the journal below message 2's append is gone: recovery must use the snapshot.
        await Eventually.Holds("the journal below the oldest held message is deleted", () => JournalOf("orders") is { Lowest: > 3, Snapshots: 1 }, Timeout, () => JournalOf("orders").ToString());

        await _node.DisposeAsync();
        _node = await StartNode();

        var after = await Ask<TopicStats>(new GetTopicStats("orders"));
        Assert.Equal(settings, after.Settings);
        Assert.Equal((19L, 20L, 0), (after.Pending, after.LastSequenceNr, after.InFlight));
        Assert.Equal(before.Groups.Select(g => (g.Group, g.Lag)), after.Groups.Select(g => (g.Group, g.Lag)));

        var retried = await Ask<PublishResult>(new Publish("orders", "p1", [Text(20, "m20")]));
        Assert.Equal([PublishOutcome.Repeated(20, 20)], retried.Outcomes);
        var sameId = await Ask<PublishResult>(new Publish("orders", "p2", [Text(1, "again", "id-7")]));
        Assert.Equal(7, Assert.Single(sameId.Outcomes).SequenceNr);
        Assert.True(sameId.Outcomes[0].Duplicate);

        var billingAgain = Inbox.Create(_node.System);
        billingAgain.Send(Topics, new Subscribe("orders", "billing", "b2", StartPosition.Earliest, 100));
        await Receive<Subscribed>(billingAgain);
        var redelivered = await ReceiveMessages(billingAgain, 19);
        Assert.Equal(Enumerable.Range(2, 19).Select(n => (long)n), redelivered.Select(m => m.Message.SequenceNr).Order());
        Assert.All(redelivered, m => Assert.Equal($"m{m.Message.SequenceNr}", Encoding.UTF8.GetString(m.Message.Payload)));
        Assert.Equal([2, 2], redelivered.Where(m => m.Message.SequenceNr <= 3).Select(m => m.Attempt));
        Assert.All(redelivered.Where(m => m.Message.SequenceNr > 3), m => Assert.Equal(1, m.Attempt));
        Assert.Equal(0, (await Ask<TopicStats>(new GetTopicStats("orders"))).Groups.Single(g => g.Group == "audit").Lag);
    }

    [Fact]
    public async Task Journal_events_no_held_message_needs_are_deleted_once_a_snapshot_is_saved()
    {
        var consumer = Inbox.Create(_node.System);
        consumer.Send(Topics, new Subscribe("ticks", "g", "c1", StartPosition.Earliest, 100));
        await Receive<Subscribed>(consumer);
        for (var n = 1; n <= 30; n++)
        {
            await Ask<PublishResult>(new Publish("ticks", "p1", [Text(n, $"t{n}")]));
            var delivered = await ReceiveMessages(consumer, 1);
            consumer.Send(Topics, new Ack("ticks", "g", [.. delivered.Select(m => m.Message.SequenceNr)]));
            await Receive<AckResult>(consumer);
        }

        // About 90 events written (append, lease, ack per message); what stays is the events from
        // the oldest message held at the last snapshot on, whatever the history.
        await Eventually.Holds(
            "the journal holds only the last few events, and one snapshot",
            () => JournalOf("ticks") is { Live: <= 2 * SnapshotEvery, Snapshots: 1 },
            Timeout,
            () => JournalOf("ticks").ToString());
        Assert.Equal(0, (await Ask<TopicStats>(new GetTopicStats("ticks"))).Pending);
    }
}
