using ClusterQueue.Client;

namespace ClusterQueue.Bench;

/// <summary>
/// Workload 6: what a pending message costs its node in memory. A topic keeps at most its memory
/// window (10,000 by default) of payloads in memory; deeper backlogs stay in the journal, so what
/// grows per message beyond that is the topic's index of what it holds. Measured as the managed heap
/// left after a full collection (what the node keeps alive), before and after the backlog is
/// published; the resident growth is reported beside it, which also counts garbage not yet
/// collected and SQLite's page caches.
/// </summary>
public static class Memory
{
    /// <param name="BytesPerPending">Managed heap kept alive per pending message, payloads in memory included.</param>
    /// <param name="ResidentBytesPerPending">Resident memory grown per pending message.</param>
    public sealed record Result(long Pending, int PayloadBytes, double BytesPerPending, double ResidentBytesPerPending, double HeapGrowthMegabytes, double ResidentGrowthMegabytes);

    private static readonly TimeSpan CollectionTimeout = TimeSpan.FromSeconds(30);

    public static async Task<Result> RunAsync(LocalCluster cluster, int pending, int payloadBytes, TextWriter progress, CancellationToken cancel)
    {
        var topic = $"bench-memory-{Guid.NewGuid().ToString("N")[..8]}";
        await using var client = await QueueClient.ConnectAsync(EndToEnd.MemberOptions(cluster.ContactPoints), cancel);

        // The topic starts (and its node settles) before the measure begins.
        await Publishing.PublishAsync(client, topic, 1, payloadBytes, cancel);
        var (host, _) = await cluster.HostOfAsync(topic, cancel);
        await Task.Delay(TimeSpan.FromSeconds(2), cancel);
        var heapBefore = await GcHeap.AfterFullCollectionAsync(host.Pid, CollectionTimeout);
        var residentBefore = host.ResidentBytes();

        await progress.WriteLineAsync($"  publishing {pending:N0} messages to {topic} on 127.0.0.1:{host.Port}, no consumer");
        await Publishing.PublishAsync(client, topic, pending, payloadBytes, cancel);
        await Task.Delay(TimeSpan.FromSeconds(2), cancel);
        var heapGrowth = await GcHeap.AfterFullCollectionAsync(host.Pid, CollectionTimeout) - heapBefore;
        var residentGrowth = host.ResidentBytes() - residentBefore;
        return new Result(
            pending,
            payloadBytes,
            (double)heapGrowth / pending,
            (double)residentGrowth / pending,
            heapGrowth / 1024.0 / 1024.0,
            residentGrowth / 1024.0 / 1024.0);
    }
}
