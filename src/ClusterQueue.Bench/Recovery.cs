using System.Buffers.Binary;
using System.Diagnostics;
using ClusterQueue.Client;
using ClusterQueue.Client.Consuming;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Bench;

/// <summary>
/// Workload 5: a topic holding many pending messages loses its node (SIGKILL) while a consumer
/// drains it. Timed: until the cluster downs the node (the shipped split-brain settings decide),
/// from then until the first redelivery from the topic's new node, and until every message was
/// consumed. Sharding starts the topic elsewhere only once its node is downed, so the first
/// delivery after the downing comes from the new node.
/// </summary>
public static class Recovery
{
    public sealed record Result(long Pending, double KillToDownSeconds, double DownToFirstDeliverySeconds, double KillToDrainedSeconds, long Consumed, long Missing);

    public static async Task<Result> RunAsync(LocalCluster cluster, int pending, int payloadBytes, TextWriter progress, CancellationToken cancel)
    {
        var topic = $"bench-recovery-{Guid.NewGuid().ToString("N")[..8]}";
        var options = EndToEnd.MemberOptions(cluster.ContactPoints);
        await using var client = await QueueClient.ConnectAsync(options, cancel);
        await progress.WriteLineAsync($"  publishing {pending:N0} messages to {topic}");
        await Publishing.PublishAsync(client, topic, pending, payloadBytes, cancel);

        var host = await cluster.HostOfAsync(topic, cancel);
        await progress.WriteLineAsync($"  {topic} runs on {host.Address}; consuming, then killing that node");

        var watch = Stopwatch.StartNew();
        var seen = new bool[pending];
        long consumed = 0;
        TimeSpan? killedAt = null, drained = null;
        var deliveredAfterKill = new List<TimeSpan>();
        var gate = new object();
        await using var subscription = await client.SubscribeAsync(topic, "recovery", (message, _) =>
        {
            var number = BinaryPrimitives.ReadInt64LittleEndian(message.Message.Payload.AsSpan(8));
            lock (gate)
            {
                if (killedAt is not null)
                {
                    deliveredAfterKill.Add(watch.Elapsed);
                }

                if (!seen[number])
                {
                    seen[number] = true;
                    if (++consumed == pending)
                    {
                        drained = watch.Elapsed;
                    }
                }
            }

            return Task.CompletedTask;
        }, new ConsumerOptions { StartAt = StartPosition.Earliest, Credit = 1000 }, cancel);

        while (Interlocked.Read(ref consumed) < Math.Min(pending / 10, 10_000))
        {
            await Task.Delay(5, cancel);
        }

        var survivor = cluster.Nodes.First(n => n != host.Node);
        lock (gate)
        {
            host.Node.Kill();
            killedAt = watch.Elapsed;
        }

        var downedAt = await DownedAsync(survivor, host.Address, watch, cancel);
        await progress.WriteLineAsync($"  killed at {killedAt!.Value.TotalSeconds:0.0} s, downed at {downedAt.TotalSeconds:0.0} s");
        var deadline = watch.Elapsed + TimeSpan.FromMinutes(2);
        while (drained is null && watch.Elapsed < deadline)
        {
            await Task.Delay(20, cancel);
        }

        lock (gate)
        {
            return new Result(
                pending,
                (downedAt - killedAt.Value).TotalSeconds,
                deliveredAfterKill.Where(t => t >= downedAt).Select(t => (t - downedAt).TotalSeconds).DefaultIfEmpty(double.NaN).First(),
                drained is { } done ? (done - killedAt.Value).TotalSeconds : double.NaN,
                consumed,
                pending - consumed);
        }
    }

    /// <summary>When the survivor no longer lists the killed member as anything but down (or at all).</summary>
    private static async Task<TimeSpan> DownedAsync(NodeProcess survivor, string address, Stopwatch watch, CancellationToken cancel)
    {
        var deadline = watch.Elapsed + TimeSpan.FromMinutes(2);
        while (watch.Elapsed < deadline)
        {
            var members = await survivor.MembersAsync();
            if (members is not null && members.Members.All(m => m.Address != address || m.Status is "Down" or "Removed"))
            {
                return watch.Elapsed;
            }

            await Task.Delay(50, cancel);
        }

        throw new TimeoutException($"{address} was not downed within 2 minutes of being killed");
    }
}
