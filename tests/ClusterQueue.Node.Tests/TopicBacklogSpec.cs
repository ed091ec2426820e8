using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;
using Xunit.Abstractions;

namespace ClusterQueue.Node.Tests;

/// <summary>
/// A deep backlog on a broker node process (SQLite journal): two million messages published with
/// no consumer, the node restarted at 20,000 and at 2,000,000 pending, then everything consumed in
/// order by one group, while the node's resident memory is sampled.
/// </summary>
[Collection(ClusterNodesTests.Name)]
public sealed class TopicBacklogSpec(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Topic = "backlog";
    private const int Total = 2_000_000;
    private const int Shallow = 20_000;
    private const int Batch = 500;
    private const int PayloadBytes = 100;

    /// <summary>
    /// Loose on purpose: the payloads alone are 200 MB, so a topic holding its backlog in memory
    /// would pass it by far; a bounded one stays near what it needs at 20,000 pending.
    /// </summary>
    private const long MemoryBound = 350L * 1024 * 1024;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("cq-backlog-").FullName;
    private readonly IReadOnlyList<int> _ports = FreePorts.Take(4);
    private NodeProcess _broker = null!;
    private InProcessNode _client = null!;
    private long _peakBytes;
    private CancellationTokenSource _sampling = new();

    public async Task InitializeAsync() => await StartAsync();

    public async Task DisposeAsync()
    {
        await StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    public void Dispose() => _sampling.Dispose();

    private IActorRef Topics => ActorRegistry.For(_client.System).Get<TopicRegion>();

    /// <summary>The broker process and a client member (the test's producer and consumer), and the memory sampler.</summary>
    private async Task StartAsync()
    {
        _broker = NodeProcess.Start(_ports[0], _ports[1], [_ports[0]], _dataDir);
        _client = await InProcessNode.StartAsync(_ports[2], _ports[3], [_ports[0]], Path.Combine(_dataDir, "client"), roles: "client");
        await Eventually.Holds("the broker and the client are Up", () => _client.SeesOnlyUp(2), Timeout, () => _broker.Output);
        _sampling.Dispose();
        _sampling = new CancellationTokenSource();
        var broker = _broker;
        var sampling = _sampling.Token;
        _ = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                InterlockedMax(ref _peakBytes, broker.ResidentBytes);
                await Task.Delay(250, CancellationToken.None);
            }
        }, CancellationToken.None);
    }

    private async Task StopAsync()
    {
        await _sampling.CancelAsync();
        await _client.DisposeAsync();
        _broker.Terminate();
        await _broker.ExitCode(Timeout);
        _broker.Dispose();
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var current = Interlocked.Read(ref target); value > current; current = Interlocked.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):0} MB";

    /// <summary>Publishes messages numbered from <paramref name="from"/> to <paramref name="to"/>, a batch of them per publish, several publishes in flight.</summary>
    private async Task PublishAsync(long from, long to)
    {
        var payload = new byte[PayloadBytes];
        var topics = Topics;
        var next = from - Batch;
        async Task Producer()
        {
            for (var first = Interlocked.Add(ref next, Batch); first <= to; first = Interlocked.Add(ref next, Batch))
            {
                var messages = Enumerable.Range(0, (int)Math.Min(Batch, to - first + 1)).Select(i => new OutgoingMessage(first + i, payload)).ToList();
                var result = await topics.Ask<PublishResult>(new Publish(Topic, "producer", messages), Timeout);
                Assert.All(result.Outcomes, o => Assert.True(o.Confirmed, $"{o.ProducerSeq}: {o.Error} {o.Reason}"));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(Producer)));
    }

    /// <summary>Restarts broker and client, and measures how long the topic takes to answer again.</summary>
    private async Task<TimeSpan> RestartAndRecoverAsync()
    {
        await StopAsync();
        var clock = Stopwatch.StartNew();
        await StartAsync();
        var stats = await Topics.Ask<TopicStats>(new GetTopicStats(Topic), Timeout);
        output.WriteLine($"  restarted with {stats.Pending} pending: the topic answered {clock.Elapsed.TotalSeconds:0.0} s after the broker process started");
        return clock.Elapsed;
    }

    [Fact]
    public async Task Two_million_pending_messages_cost_about_the_memory_of_twenty_thousand_and_are_all_consumed_in_order()
    {
        await Topics.Ask<TopicConfigured>(new ConfigureTopic(Topic, TopicSettings.Default with { MaxLength = 2 * Total }), Timeout);
        var clock = Stopwatch.StartNew();
        await PublishAsync(1, Shallow);
        var atShallow = _broker.ResidentBytes;
        var recoveryShallow = await RestartAndRecoverAsync();
        var afterShallowRestart = _broker.ResidentBytes;

        await PublishAsync(Shallow + 1, Total);
        var published = clock.Elapsed;
        var atDeep = _broker.ResidentBytes;
        var recoveryDeep = await RestartAndRecoverAsync();
        var afterDeepRestart = _broker.ResidentBytes;
        Assert.Equal(Total, (await Topics.Ask<TopicStats>(new GetTopicStats(Topic), Timeout)).Pending);

        var consumed = new TaskCompletionSource<(long Count, string? Problem)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _client.System.ActorOf(Props.Create(() => new InOrderConsumer(Topics, Topic, Total, consumed)));
        var (count, problem) = await consumed.Task.WaitAsync(TimeSpan.FromMinutes(10));
        var peak = Interlocked.Read(ref _peakBytes);

        output.WriteLine(
            $"published {Total} messages of {PayloadBytes} B in {published.TotalSeconds:0} s; consumed them all in {(clock.Elapsed - published - recoveryDeep).TotalSeconds:0} s{Environment.NewLine}" +
            $"broker resident memory: {Mb(atShallow)} at {Shallow} pending ({Mb(afterShallowRestart)} after a restart), {Mb(atDeep)} at {Total} pending ({Mb(afterDeepRestart)} after a restart), peak {Mb(peak)}{Environment.NewLine}" +
            $"recovery (restart to first answer): {recoveryShallow.TotalSeconds:0.0} s at {Shallow} pending, {recoveryDeep.TotalSeconds:0.0} s at {Total}");
        Assert.Null(problem);
        Assert.Equal(Total, count);
        Assert.True(peak < MemoryBound, $"the broker peaked at {Mb(peak)}, over the {Mb(MemoryBound)} bound");
        Assert.Equal(0, (await Topics.Ask<TopicStats>(new GetTopicStats(Topic), Timeout)).Pending);
    }

    /// <summary>One consumer of one group: takes every message once, in publish order, acks each delivery, heartbeats.</summary>
    private sealed class InOrderConsumer : ReceiveActor, IWithTimers
    {
        private long _expected = 1;

        public InOrderConsumer(IActorRef topics, string topic, long total, TaskCompletionSource<(long Count, string? Problem)> done)
        {
            Receive<string>(_ => topics.Tell(new Heartbeat(topic, "readers", "reader")));
            Receive<HeartbeatAck>(_ => { });
            Receive<Subscribed>(_ => Timers.StartPeriodicTimer("heartbeat", "beat", TimeSpan.FromSeconds(1)));
            Receive<AckResult>(_ => { });
            Receive<TopicError>(e => done.TrySetResult((_expected - 1, $"{e.Code}: {e.Message}")));
            Receive<Delivery>(delivery =>
            {
                foreach (var message in delivery.Messages)
                {
                    if (message.Message.SequenceNr != _expected || message.Attempt != 1)
                    {
                        done.TrySetResult((_expected - 1, $"expected message {_expected} (first attempt), got {message.Message.SequenceNr} (attempt {message.Attempt})"));
                        return;
                    }

                    _expected++;
                }

                topics.Tell(new Ack(topic, "readers", [.. delivery.Messages.Select(m => m.Message.SequenceNr)]));
                if (_expected > total)
                {
                    done.TrySetResult((_expected - 1, null));
                }
            });
            topics.Tell(new Subscribe(topic, "readers", "reader", StartPosition.Earliest, 5000));
        }

        public ITimerScheduler Timers { get; set; } = null!;
    }
}
