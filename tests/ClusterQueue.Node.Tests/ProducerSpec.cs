using Akka.Actor;
using ClusterQueue.Client;
using ClusterQueue.Client.Producing;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;
using Xunit.Abstractions;

namespace ClusterQueue.Node.Tests;

/// <summary>The client's producer against two broker nodes: as a member (region proxy) and through the gateway.</summary>
[Collection(ClusterNodesTests.Name)]
public sealed class ProducerSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = BrokersAndClient.Timeout;
    private BrokersAndClient _cluster = null!;

    public async Task InitializeAsync() => _cluster = await BrokersAndClient.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IActorRef Proxy => _cluster.Proxy;

    private ActorSystem ClientSystem => _cluster.Client.System;

    private static IReadOnlyList<byte[]> Payloads(int count) => [.. Enumerable.Range(1, count).Select(n => BitConverter.GetBytes(n))];

    [Fact]
    public async Task A_producer_publishes_as_a_member_and_a_refusal_names_its_code()
    {
        await using var member = QueueProducer.Create(ClientSystem, Proxy, "member-orders");
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
        await using var gateway = await QueueClient.ConnectAsync(new QueueClientOptions { ContactPoints = _cluster.ContactPoints, RequestTimeout = Timeout });

        var seqs = await Task.WhenAll(Payloads(300).Select(p => gateway.PublishAsync("gateway-orders", p)));

        Assert.Equal(Enumerable.Range(1, 300).Select(n => (long)n), seqs.Order());
    }

    [Fact]
    public async Task A_producer_that_resends_across_a_topic_move_stores_no_message_twice()
    {
        const string topic = "moving";
        const int total = 3000;
        await using var producer = QueueProducer.Create(ClientSystem, Proxy, topic, new ProducerOptions { Window = 200, RequestTimeout = TimeSpan.FromSeconds(2) });
        var first = await producer.PublishAsync([0]);
        var state = await Proxy.Ask<Akka.Cluster.Sharding.ClusterShardingStats>(new Akka.Cluster.Sharding.GetClusterShardingStats(TimeSpan.FromSeconds(5)), Timeout);
        var shard = new TopicMessageExtractor(32).ShardOf(topic).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var hostPort = state.Regions.Single(r => r.Value.Stats.ContainsKey(shard)).Key.Port;
        var host = _cluster.Brokers.Single(b => b.Options.Port == hostPort);

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
