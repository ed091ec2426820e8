using Akka.Actor;
using Akka.Hosting;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Client;
using ClusterQueue.Client.Producing;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace ClusterQueue.Node.Tests;

/// <summary>The client's producer against two broker nodes: as a member (region proxy) and through the gateway.</summary>
[Collection(ClusterNodesTests.Name)]
public sealed class ProducerSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("cq-producer-").FullName;
    private readonly List<InProcessNode> _brokers = [];
    private InProcessNode _client = null!;

    public async Task InitializeAsync()
    {
        var ports = FreePorts.Take(6);
        var seeds = ports.Take(2).ToList();
        for (var i = 0; i < 2; i++)
        {
            _brokers.Add(await InProcessNode.StartAsync(ports[i], ports[i + 3], seeds, _dataDir));
        }

        _client = await InProcessNode.StartAsync(ports[2], ports[5], seeds, Path.Combine(_dataDir, "client"), roles: "client");
        await Eventually.Holds("two brokers and a client are Up", () => _client.SeesOnlyUp(3), Timeout);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        foreach (var broker in _brokers)
        {
            await broker.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private IActorRef Proxy => ActorRegistry.For(_client.System).Get<TopicRegion>();

    private static IReadOnlyList<byte[]> Payloads(int count) => [.. Enumerable.Range(1, count).Select(n => BitConverter.GetBytes(n))];

    [Fact]
    public async Task A_producer_publishes_as_a_member_and_a_refusal_names_its_code()
    {
        await using var member = QueueProducer.Create(_client.System, Proxy, "member-orders");
        var seqs = await Task.WhenAll(Payloads(500).Select(p => member.PublishAsync(p)));
        Assert.Equal(Enumerable.Range(1, 500).Select(n => (long)n), seqs.Order());

        var refused = await Assert.ThrowsAsync<PublishRejectedException>(() => member.PublishAsync(new byte[TopicSettings.Default.MaxPayloadBytes + 1]));
        Assert.Equal(ErrorCode.PayloadTooLarge, refused.Code);
        var stats = await Proxy.Ask<TopicStats>(new GetTopicStats("member-orders"), Timeout);
        Assert.Equal(500, stats.Pending);
    }

    [Fact]
    public async Task A_producer_publishes_from_outside_the_cluster_through_the_gateway()
    {
        var ports = FreePorts.Take(2);
        using var broker = NodeProcess.Start(ports[0], ports[1], [ports[0]], Path.Combine(_dataDir, "gateway-broker"));
        await Eventually.Holds("the broker process is ready", broker.Http.IsReady, Timeout, () => broker.Output);
        await using var gateway = GatewayClient.Connect(new GatewayClientOptions { ContactPoints = [new ContactPoint("127.0.0.1", ports[0])] });
        await using var producer = QueueProducer.Create(gateway.System, gateway.Topics, "gateway-orders");

        var seqs = await Task.WhenAll(Payloads(300).Select(p => producer.PublishAsync(p)));

        Assert.Equal(Enumerable.Range(1, 300).Select(n => (long)n), seqs.Order());
    }

    [Fact]
    public async Task A_producer_that_resends_across_a_topic_move_stores_no_message_twice()
    {
        const string topic = "moving";
        const int total = 3000;
        await using var producer = QueueProducer.Create(_client.System, Proxy, topic, new ProducerOptions { Window = 200, RequestTimeout = TimeSpan.FromSeconds(2) });
        var first = await producer.PublishAsync([0]);
        var state = await Proxy.Ask<Akka.Cluster.Sharding.ClusterShardingStats>(new Akka.Cluster.Sharding.GetClusterShardingStats(TimeSpan.FromSeconds(5)), Timeout);
        var shard = new TopicMessageExtractor(32).ShardOf(topic).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var hostPort = state.Regions.Single(r => r.Value.Stats.ContainsKey(shard)).Key.Port;
        var host = _brokers.Single(b => b.Options.Port == hostPort);

        // Paced, so that the move happens in the middle of the stream.
        async Task<long[]> Publish()
        {
            var sent = new List<Task<long>>();
            foreach (var payload in Payloads(total - 1))
            {
                sent.Add(producer.PublishAsync(payload));
                if (sent.Count % 20 == 0)
                {
                    await Task.Delay(10);
                }
            }

            return await Task.WhenAll(sent);
        }

        var publishing = Publish();
        await Task.Delay(500);
        await host.StopAsync();
        var seqs = await publishing.WaitAsync(TimeSpan.FromMinutes(2));

        var all = seqs.Append(first).ToList();
        Assert.Equal(total, all.Distinct().Count());
        var stats = await Proxy.Ask<TopicStats>(new GetTopicStats(topic), Timeout);
        output.WriteLine($"host on port {hostPort} left while {total} messages were published; the topic holds {stats.Pending}, last sequence number {stats.LastSequenceNr}");
        Assert.Equal(total, stats.Pending);
        Assert.Equal(total, stats.LastSequenceNr);
    }
}
