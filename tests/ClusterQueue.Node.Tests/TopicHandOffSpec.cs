using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using ClusterQueue.Node.Configuration;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;
using Xunit.Abstractions;

namespace ClusterQueue.Node.Tests;

/// <summary>Three in-process nodes sharing one journal; the node hosting a busy topic leaves. Once per journal.</summary>
public abstract class TopicHandOffSpec(JournalProvider provider, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Topic = "busy";
    private const int Messages = 8000;
    private const int InFlight = 50;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly List<InProcessNode> _nodes = [];
    private TestJournal _journal = null!;

    public async Task InitializeAsync()
    {
        _journal = await TestJournal.CreateAsync(provider);
        var ports = FreePorts.Take(6);
        for (var i = 0; i < 3; i++)
        {
            _nodes.Add(await InProcessNode.StartAsync(ports[i], ports[i + 3], ports.Take(3), _journal.DataDir, settings: _journal.NodeSettings));
        }

        await Eventually.Holds("three Up members", () => _nodes.All(n => n.SeesOnlyUp(3)), Timeout);
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await _journal.DisposeAsync();
    }

    private static IActorRef TopicsOf(InProcessNode node) => ActorRegistry.For(node.System).Get<TopicRegion>();

    private static async Task<bool> Hosts(InProcessNode node)
    {
        var state = await TopicsOf(node).Ask<CurrentShardRegionState>(GetShardRegionState.Instance, Timeout);
        return state.Shards.Any(s => s.EntityIds.Contains(Topic));
    }

    [JournalFact]
    public async Task The_node_hosting_a_busy_topic_leaves_and_no_confirmed_message_is_lost_or_confirmed_twice()
    {
        var first = TopicsOf(_nodes[0]);
        await first.Ask<TopicConfigured>(new ConfigureTopic(Topic, TopicSettings.Default with { AckTimeout = TimeSpan.FromSeconds(5) }), Timeout);
        InProcessNode? host = null;
        foreach (var node in _nodes)
        {
            host = await Hosts(node) ? node : host;
        }

        Assert.NotNull(host);
        var client = _nodes.First(n => n != host);
        var topics = TopicsOf(client);
        var received = new ConcurrentDictionary<long, int>();
        var consumer = client.System.ActorOf(Props.Create(() => new AckingConsumer(topics, received)), "consumer");
        var confirmed = new ConcurrentDictionary<long, long>();
        var duplicates = new ConcurrentBag<string>();
        var busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task PublishUntilConfirmed(long producerSeq)
        {
            var message = new OutgoingMessage(producerSeq, Encoding.UTF8.GetBytes($"m{producerSeq}"));
            while (true)
            {
                try
                {
                    var result = await topics.Ask<PublishResult>(new Publish(Topic, "producer", [message]), TimeSpan.FromSeconds(3));
                    var outcome = Assert.Single(result.Outcomes);
                    Assert.True(outcome.Confirmed, outcome.Reason);
                    if (!confirmed.TryAdd(producerSeq, outcome.SequenceNr) && confirmed[producerSeq] != outcome.SequenceNr)
                    {
                        duplicates.Add($"producer number {producerSeq} confirmed as {confirmed[producerSeq]} and {outcome.SequenceNr}");
                    }

                    if (confirmed.Count >= Messages / 5)
                    {
                        busy.TrySetResult();
                    }

                    return;
                }
                catch (AskTimeoutException)
                {
                    // The topic is moving: retry with the same number, the topic deduplicates it.
                }
            }
        }

        var next = 0L;
        var publishers = Enumerable.Range(0, InFlight).Select(async _ =>
        {
            for (var seq = Interlocked.Increment(ref next); seq <= Messages; seq = Interlocked.Increment(ref next))
            {
                await PublishUntilConfirmed(seq);

                // Paced, so publishing goes on before, during and after the hand-off.
                await Task.Delay(10);
            }
        }).ToList();

        await busy.Task.WaitAsync(Timeout);
        var leaveStarted = DateTime.UtcNow;
        var confirmedBefore = confirmed.Count;
        await host!.StopAsync();
        output.WriteLine($"host left in {(DateTime.UtcNow - leaveStarted).TotalSeconds:0.0} s; {confirmedBefore} confirmed before, {confirmed.Count} after");
        await Task.WhenAll(publishers);

        await Eventually.Holds(
            "every confirmed message was delivered and acked",
            () => confirmed.Values.All(received.ContainsKey),
            Timeout,
            () => $"missing: {string.Join(", ", confirmed.Values.Where(s => !received.ContainsKey(s)).Take(20))}");
        Assert.Empty(duplicates);
        Assert.Equal(Messages, confirmed.Count);
        Assert.Equal(Messages, confirmed.Values.Distinct().Count());
        var redelivered = received.Count(r => r.Value > 1);
        output.WriteLine($"{Messages} confirmed, {received.Count} delivered, {redelivered} delivered more than once");
        await Eventually.Holds(
            "the topic holds nothing once all is acked",
            async () => (await topics.Ask<TopicStats>(new GetTopicStats(Topic), Timeout)).Pending == 0,
            Timeout);
        var survivors = _nodes.Where(n => n != host).ToList();
        Assert.Single(await Task.WhenAll(survivors.Select(Hosts)), hosts => hosts);
        consumer.Tell(PoisonPill.Instance);
    }

    /// <summary>
    /// Acks every delivery, heartbeats, and subscribes again when the topic no longer knows it (it
    /// moved) or does not answer.
    /// </summary>
    private sealed class AckingConsumer : ReceiveActor, IWithTimers
    {
        public AckingConsumer(IActorRef topics, ConcurrentDictionary<long, int> received)
        {
            void Subscribe() => topics.Tell(new Subscribe(Topic, "g", "c1", StartPosition.Earliest, 200));
            Receive<Delivery>(d =>
            {
                foreach (var m in d.Messages)
                {
                    received.AddOrUpdate(m.Message.SequenceNr, 1, (_, n) => n + 1);
                }

                topics.Tell(new Ack(Topic, "g", d.Messages.Select(m => m.Message.SequenceNr).ToList()));
            });
            Receive<HeartbeatDue>(_ => topics.Ask<object>(new Heartbeat(Topic, "g", "c1"), TimeSpan.FromSeconds(2))
                .ContinueWith(t => t.IsCompletedSuccessfully && t.Result is HeartbeatAck ? null : Resubscribe.Instance)
                .PipeTo(Self));
            Receive<Resubscribe>(_ => Subscribe());
            ReceiveAny(_ => { });
            Subscribe();
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PreStart() => Timers.StartPeriodicTimer(HeartbeatDue.Instance, HeartbeatDue.Instance, TimeSpan.FromSeconds(1));

        private sealed class HeartbeatDue
        {
            public static readonly HeartbeatDue Instance = new();
        }

        private sealed class Resubscribe
        {
            public static readonly Resubscribe Instance = new();
        }
    }
}

[Collection(ClusterNodesTests.Name)]
public sealed class TopicHandOffOnSqliteSpec(ITestOutputHelper output) : TopicHandOffSpec(JournalProvider.Sqlite, output);

[Collection(ClusterNodesTests.Name)]
public sealed class TopicHandOffOnPostgreSqlSpec(ITestOutputHelper output) : TopicHandOffSpec(JournalProvider.PostgreSql, output), IRunsOnPostgreSql;
