using System.Text;
using Akka.Actor;
using Akka.Hosting;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;
using ClusterQueue.Node.Configuration;
using ClusterQueue.Broker.Topics;
using Npgsql;

namespace ClusterQueue.Node.Tests;

/// <summary>
/// Snapshots on a real node: a topic snapshots every few events and deletes the journal no held
/// message needs, then recovers from the snapshot, the payloads read back, and the events after it.
/// Once per journal.
/// </summary>
public abstract class TopicRecoverySpec(JournalProvider provider) : IAsyncLifetime
{
    private const int SnapshotEvery = 5;

    /// <summary>So small that recovery and delivery read messages back from the journal.</summary>
    protected const int MemoryWindow = 3;
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly IReadOnlyList<int> _ports = FreePorts.Take(2);
    private string _config = null!;
    private InProcessNode _node = null!;

    protected TestJournal Journal { get; private set; } = null!;

    protected ActorSystem System => _node.System;

    public async Task InitializeAsync()
    {
        Journal = await TestJournal.CreateAsync(provider);
        _config = Path.Combine(Journal.DataDir, "test.conf");
        await File.WriteAllTextAsync(
            _config,
            await File.ReadAllTextAsync(NodeProcess.TestingConfig)
            + $"\nclusterqueue.topics.snapshot-every = {SnapshotEvery}\nclusterqueue.topics.memory-window = {MemoryWindow}\n"
            + "clusterqueue.topics.takeover-fence = 0s\n"); // these tests watch deletion on a topic just started
        _node = await StartNode();
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await Journal.DisposeAsync();
    }

    private async Task<InProcessNode> StartNode()
    {
        var node = await InProcessNode.StartAsync(_ports[0], _ports[1], [_ports[0]], Journal.DataDir, _config, settings: Journal.NodeSettings);
        await Eventually.Holds("the node is Up", () => node.SeesOnlyUp(1), Timeout);
        return node;
    }

    protected async Task RestartNode()
    {
        await _node.DisposeAsync();
        _node = await StartNode();
    }

    protected IActorRef Topics => ActorRegistry.For(_node.System).Get<TopicRegion>();

    protected async Task<T> Ask<T>(ITopicCommand command) => await Topics.Ask<T>(command, Timeout);

    protected static async Task<T> Receive<T>(Inbox inbox) => Assert.IsType<T>(await inbox.ReceiveAsync(Timeout));

    protected static OutgoingMessage Text(long producerSeq, string text, string? messageId = null) =>
        new(producerSeq, Encoding.UTF8.GetBytes(text), MessageId: messageId);

    protected static async Task<List<DeliveredMessage>> ReceiveMessages(Inbox consumer, int count)
    {
        var received = new List<DeliveredMessage>();
        while (received.Count < count)
        {
            received.AddRange((await Receive<Delivery>(consumer)).Messages);
        }

        return received;
    }

    protected JournalRows JournalOf(string topic) => Journal.RowsOf(topic);

    [JournalFact]
    public async Task A_topic_recovers_pending_messages_groups_and_dedup_from_its_snapshot_with_leases_back_to_deliverable()
    {
        var settings = TopicSettings.Default with { MessageIdWindow = 100 };
        await Ask<TopicConfigured>(new ConfigureTopic("orders", settings));
        var billing = Inbox.Create(System);
        billing.Send(Topics, new Subscribe("orders", "billing", "b1", StartPosition.Earliest, 2));
        await Receive<Subscribed>(billing);
        var audit = Inbox.Create(System);
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

        await RestartNode();

        var after = await Ask<TopicStats>(new GetTopicStats("orders"));
        Assert.Equal(settings, after.Settings);
        Assert.Equal((19L, 20L, 0), (after.Pending, after.LastSequenceNr, after.InFlight));
        Assert.Equal(before.Groups.Select(g => (g.Group, g.Lag)), after.Groups.Select(g => (g.Group, g.Lag)));

        var retried = await Ask<PublishResult>(new Publish("orders", "p1", [Text(20, "m20")]));
        Assert.Equal([PublishOutcome.Repeated(20, 20)], retried.Outcomes);
        var sameId = await Ask<PublishResult>(new Publish("orders", "p2", [Text(1, "again", "id-7")]));
        Assert.Equal(7, Assert.Single(sameId.Outcomes).SequenceNr);
        Assert.True(sameId.Outcomes[0].Duplicate);

        var billingAgain = Inbox.Create(System);
        billingAgain.Send(Topics, new Subscribe("orders", "billing", "b2", StartPosition.Earliest, 100));
        await Receive<Subscribed>(billingAgain);
        var redelivered = await ReceiveMessages(billingAgain, 19);
        Assert.Equal(Enumerable.Range(2, 19).Select(n => (long)n), redelivered.Select(m => m.Message.SequenceNr).Order());
        Assert.All(redelivered, m => Assert.Equal($"m{m.Message.SequenceNr}", Encoding.UTF8.GetString(m.Message.Payload)));
        Assert.Equal([2, 2], redelivered.Where(m => m.Message.SequenceNr <= 3).Select(m => m.Attempt));
        Assert.All(redelivered.Where(m => m.Message.SequenceNr > 3), m => Assert.Equal(1, m.Attempt));
        Assert.Equal(0, (await Ask<TopicStats>(new GetTopicStats("orders"))).Groups.Single(g => g.Group == "audit").Lag);
    }

    [JournalFact]
    public async Task A_topic_replays_every_journal_event_even_when_its_writers_took_turns()
    {
        // Fewer messages than the memory window, so no snapshot: recovery replays the journal.
        await Ask<PublishResult>(new Publish("turns", "p1", [Text(1, "m1")]));
        await Ask<PublishResult>(new Publish("turns", "p1", [Text(2, "m2")]));

        // Events: the topic created, then one append per message. As the chaos run found them after
        // a hand-off: incarnation A wrote events 1 and 3, incarnation B event 2. Akka's replay filter
        // took A for an old writer and dropped event 3, a confirmed message.
        Assert.Equal(new JournalRows(3, 1, 0), JournalOf("turns"));
        Journal.SetWriterOf("turns", 2, Guid.NewGuid().ToString());
        await RestartNode();

        var stats = await Ask<TopicStats>(new GetTopicStats("turns"));
        Assert.Equal((2L, 2L), (stats.Pending, stats.LastSequenceNr));
        var consumer = Inbox.Create(System);
        consumer.Send(Topics, new Subscribe("turns", "g", "c1", StartPosition.Earliest, 10));
        await Receive<Subscribed>(consumer);
        var received = await ReceiveMessages(consumer, 2);
        Assert.Equal(["m1", "m2"], received.Select(m => Encoding.UTF8.GetString(m.Message.Payload)));
    }

    [JournalFact]
    public async Task Journal_events_no_held_message_needs_are_deleted_once_a_snapshot_is_saved()
    {
        var consumer = Inbox.Create(System);
        consumer.Send(Topics, new Subscribe("ticks", "g", "c1", StartPosition.Earliest, 100));
        await Receive<Subscribed>(consumer);
        for (var n = 1; n <= 30; n++)
        {
            await Ask<PublishResult>(new Publish("ticks", "p1", [Text(n, $"t{n}")]));
            var delivered = await ReceiveMessages(consumer, 1);
            consumer.Send(Topics, new Ack("ticks", "g", [.. delivered.Select(m => m.Message.SequenceNr)]));
            await Receive<AckResult>(consumer);
        }

        // About 90 events written (append, lease, ack per message); what stays is at most the events
        // since the last snapshot that found the topic empty, plus those after it: a dozen or so,
        // whatever the history.
        await Eventually.Holds(
            "the journal holds only the last few events, and one snapshot",
            () => JournalOf("ticks") is { Live: <= 3 * SnapshotEvery, Snapshots: 1 },
            Timeout,
            () => JournalOf("ticks").ToString());
        Assert.Equal(0, (await Ask<TopicStats>(new GetTopicStats("ticks"))).Pending);
    }
}

[Collection(ClusterNodesTests.Name)]
public sealed class TopicRecoveryOnSqliteSpec() : TopicRecoverySpec(JournalProvider.Sqlite);

[Collection(ClusterNodesTests.Name)]
public sealed class TopicRecoveryOnPostgreSqlSpec() : TopicRecoverySpec(JournalProvider.PostgreSql), IRunsOnPostgreSql
{
    /// <summary>
    /// A snapshot that comes due while older housekeeping still runs (here: deleting the snapshot
    /// before it) waits for it, and writes go on meanwhile: it must be saved under the journal
    /// position of its own state. Only PostgreSQL can hold housekeeping and let writes through (a
    /// row lock); on SQLite both go through one connection to the shard file.
    /// </summary>
    [JournalFact]
    public async Task Messages_confirmed_while_a_snapshot_waited_for_older_housekeeping_survive_a_restart()
    {
        // No group, so nothing is acked or deleted and each publish writes one event: the
        // configuration is event 1, message n is event n + 1, and a snapshot comes due every
        // MemoryWindow (3) messages.
        await Ask<TopicConfigured>(new ConfigureTopic("ledger", TopicSettings.Default));
        var published = 0L;
        async Task PublishUntilSnapshotAfter(long snapshotAt)
        {
            while (Journal.SnapshotSequenceNrOf("ledger") <= snapshotAt)
            {
                Assert.True(published < 10 * MemoryWindow, $"no snapshot after {published} messages: {JournalOf("ledger")}");
                await Ask<PublishResult>(new Publish("ledger", "p1", [Text(++published, $"m{published}")]));
                await Task.Delay(50);
            }
        }

        await PublishUntilSnapshotAfter(0);
        var first = Journal.SnapshotSequenceNrOf("ledger");
        await using (await LockSnapshotAsync("ledger", first))
        {
            // Saving the second snapshot deletes the first, which waits for the lock.
            await PublishUntilSnapshotAfter(first);
            var second = Journal.SnapshotSequenceNrOf("ledger");

            // The third comes due and waits behind that deletion; the last message is written meanwhile.
            for (var n = 0; n < MemoryWindow + 1; n++)
            {
                await Ask<PublishResult>(new Publish("ledger", "p1", [Text(++published, $"m{published}")]));
            }

            Assert.Equal((2L, second), (JournalOf("ledger").Snapshots, Journal.SnapshotSequenceNrOf("ledger")));
        }

        await Eventually.Holds("the snapshot that waited is saved", () => JournalOf("ledger") is { Snapshots: 1 }, Timeout, () => JournalOf("ledger").ToString());
        await RestartNode();

        var stats = await Ask<TopicStats>(new GetTopicStats("ledger"));
        Assert.Equal((published, published), (stats.Pending, stats.LastSequenceNr));
        var consumer = Inbox.Create(System);
        consumer.Send(Topics, new Subscribe("ledger", "g", "c1", StartPosition.Earliest, 100));
        await Receive<Subscribed>(consumer);
        var received = await ReceiveMessages(consumer, (int)published);
        Assert.Equal(Enumerable.Range(1, (int)published).Select(n => $"m{n}"), received.OrderBy(m => m.Message.SequenceNr).Select(m => Encoding.UTF8.GetString(m.Message.Payload)));
    }

    /// <summary>Another session locks one of the topic's snapshots, so deleting it waits; saving others goes on.</summary>
    private async Task<IAsyncDisposable> LockSnapshotAsync(string topic, long sequenceNr)
    {
        var locker = new NpgsqlConnection(Journal.ConnectionString);
        await locker.OpenAsync();
        await using (var begin = new NpgsqlCommand("BEGIN;", locker))
        {
            await begin.ExecuteNonQueryAsync();
        }

        await using (var lockRow = new NpgsqlCommand("SELECT sequence_number FROM snapshot WHERE persistence_id = @id AND sequence_number = @seq FOR UPDATE;", locker))
        {
            lockRow.Parameters.AddWithValue("id", TopicActor.PersistenceIdPrefix + topic);
            lockRow.Parameters.AddWithValue("seq", sequenceNr);
            Assert.Equal(sequenceNr, await lockRow.ExecuteScalarAsync());
        }

        return new Lock(async () =>
        {
            await using var commit = new NpgsqlCommand("COMMIT;", locker);
            await commit.ExecuteNonQueryAsync();
            await locker.DisposeAsync();
        });
    }
}
