using ClusterQueue.Client;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Bench;

/// <summary>
/// Workload 6: how much a node's resident memory grows per pending message. A topic keeps at most
/// its memory window (10,000 by default) of payloads in memory; deeper backlogs stay in the journal,
/// so what grows per message beyond that is the topic's index of what it holds.
/// </summary>
public static class Memory
{
    public sealed record Result(long Pending, int PayloadBytes, double BytesPerPending, double HostGrowthMegabytes);

    public static async Task<Result> RunAsync(LocalCluster cluster, int pending, int payloadBytes, TextWriter progress, CancellationToken cancel)
    {
        var topic = $"bench-memory-{Guid.NewGuid().ToString("N")[..8]}";
        await using var client = await QueueClient.ConnectAsync(EndToEnd.MemberOptions(cluster.ContactPoints), cancel);

        // The topic starts (and its node settles) before the measure begins.
        await Publishing.PublishAsync(client, topic, 1, payloadBytes, cancel);
        await Task.Delay(TimeSpan.FromSeconds(2), cancel);
        var before = cluster.Nodes.ToDictionary(n => n, n => n.ResidentBytes());
        await progress.WriteLineAsync($"  publishing {pending:N0} messages to {topic}, no consumer");
        await Publishing.PublishAsync(client, topic, pending, payloadBytes, cancel);
        await Task.Delay(TimeSpan.FromSeconds(2), cancel);

        await using var gateway = GatewayClient.Connect(new GatewayClientOptions { ContactPoints = cluster.ContactPoints, RequestTimeout = TimeSpan.FromSeconds(20) });
        var address = ((TopicList)await gateway.RequestAsync(GetTopics.Instance, cancel)).Topics.Single(t => t.Topic == topic).Node;
        var host = cluster.Nodes.Single(n => address.EndsWith($":{n.Port}", StringComparison.Ordinal));
        var growth = host.ResidentBytes() - before[host];
        return new Result(pending, payloadBytes, (double)growth / pending, growth / 1024.0 / 1024.0);
    }
}
