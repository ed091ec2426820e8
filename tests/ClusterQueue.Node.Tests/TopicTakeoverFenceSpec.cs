using System.Text;
using Akka.Actor;
using Akka.Hosting;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Node.Configuration;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;

namespace ClusterQueue.Node.Tests;

/// <summary>
/// A stale incarnation of a topic, as a node downed while paused still runs it, beside the topic
/// that took over: its late write must fail rather than land where the successor deleted the
/// journal, confirming a message no recovery reads. Once per journal.
/// </summary>
public abstract class TopicTakeoverFenceSpec(JournalProvider provider) : IAsyncLifetime
{
    private const int Shards = 32;
    private const int SnapshotEvery = 5;
    private const string Topic = "fenced";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly IReadOnlyList<int> _ports = FreePorts.Take(2);
    private TestJournal _journal = null!;
    private InProcessNode _node = null!;

    public async Task InitializeAsync()
    {
        _journal = await TestJournal.CreateAsync(provider);
        var config = Path.Combine(_journal.DataDir, "test.conf");
        await File.WriteAllTextAsync(config, await File.ReadAllTextAsync(NodeProcess.TestingConfig) + $"\nclusterqueue.topics.snapshot-every = {SnapshotEvery}\n");
        _node = await InProcessNode.StartAsync(_ports[0], _ports[1], [_ports[0]], _journal.DataDir, config, settings: _journal.NodeSettings);
        await Eventually.Holds("the node is Up", () => _node.SeesOnlyUp(1), Timeout);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _journal.DisposeAsync();
    }

    private IActorRef Topics => ActorRegistry.For(_node.System).Get<TopicRegion>();

    private TopicStorage Storage => provider == JournalProvider.PostgreSql
        ? TopicStorage.PostgreSql(_journal.ConnectionString!, Shards) with { SnapshotEvery = SnapshotEvery }
        : TopicStorage.Sqlite(_journal.DataDir, Shards, TimeSpan.FromSeconds(60)) with { SnapshotEvery = SnapshotEvery };

    private static Publish Text(string producer, long producerSeq, string text) =>
        new(Topic, producer, [new OutgoingMessage(producerSeq, Encoding.UTF8.GetBytes(text))]);

    private static async Task<T> Receive<T>(Inbox inbox) => Assert.IsType<T>(await inbox.ReceiveAsync(Timeout));

    [JournalFact]
    public async Task A_stale_incarnation_cannot_confirm_a_write_after_its_successor_cleaned_up_the_journal()
    {
        // The stale incarnation: a topic actor of the same persistence id outside sharding.
        var stale = _node.System.ActorOf(TopicActor.Props(Topic, new TopicMessageExtractor(Shards).ShardOf(Topic), TopicRegion.Name, TimeProvider.System, Storage));
        for (var n = 1; n <= 3; n++)
        {
            await stale.Ask<PublishResult>(Text("old", n, $"old-{n}"), Timeout);
        }

        var staleThrough = _journal.RowsOf(Topic).Live;

        // The successor (the sharded topic) recovers those, then works through 30 messages,
        // snapshotting every few events and deleting what no held message needs.
        var consumer = Inbox.Create(_node.System);
        consumer.Send(Topics, new Subscribe(Topic, "g", "c1", StartPosition.Earliest, 100));
        await Receive<Subscribed>(consumer);
        var acked = 0;
        for (var n = 1; n <= 30; n++)
        {
            await Topics.Ask<PublishResult>(Text("new", n, $"new-{n}"), Timeout);
            while (acked < 3 + n)
            {
                switch (await consumer.ReceiveAsync(Timeout))
                {
                    case Delivery delivered:
                        consumer.Send(Topics, new Ack(Topic, "g", [.. delivered.Messages.Select(m => m.Message.SequenceNr)]));
                        break;
                    case AckResult result:
                        acked += result.Applied;
                        break;
                }
            }
        }

        await Eventually.Holds(
            "the successor snapshotted well past the stale incarnation's events and deleted below them",
            () => _journal.SnapshotSequenceNrOf(Topic) >= staleThrough + 60 && _journal.RowsOf(Topic).Lowest > staleThrough,
            Timeout,
            () => $"{_journal.RowsOf(Topic)}, snapshot at {_journal.SnapshotSequenceNrOf(Topic)}");

        var late = await stale.Ask<object>(Text("old", 4, "old-4"), Timeout);

        var refused = Assert.IsType<TopicError>(late);
        Assert.Equal(ErrorCode.JournalWriteFailed, refused.Code);
        var stats = await Topics.Ask<TopicStats>(new GetTopicStats(Topic), Timeout);
        Assert.Equal((33L, 0L), (stats.LastSequenceNr, stats.Pending));
        var next = await Topics.Ask<PublishResult>(Text("new", 31, "new-31"), Timeout);
        Assert.Equal(34, Assert.Single(next.Outcomes).SequenceNr);
    }
}

[Collection(ClusterNodesTests.Name)]
public sealed class TopicTakeoverFenceOnSqliteSpec() : TopicTakeoverFenceSpec(JournalProvider.Sqlite);

[Collection(ClusterNodesTests.Name)]
public sealed class TopicTakeoverFenceOnPostgreSqlSpec() : TopicTakeoverFenceSpec(JournalProvider.PostgreSql), IRunsOnPostgreSql;
