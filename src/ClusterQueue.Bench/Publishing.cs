using System.Buffers.Binary;
using System.Diagnostics;
using ClusterQueue.Client;

namespace ClusterQueue.Bench;

/// <summary>Fills a topic: numbered messages, published with up to 1,000 awaiting confirmation.</summary>
public static class Publishing
{
    public static async Task PublishAsync(QueueClient client, string topic, int count, int payloadBytes, CancellationToken cancel)
    {
        using var window = new SemaphoreSlim(1000);
        var pending = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            await window.WaitAsync(cancel);
            var payload = new byte[payloadBytes];
            BinaryPrimitives.WriteInt64LittleEndian(payload, Stopwatch.GetTimestamp());
            BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(8), i);
            pending.Add(client.PublishAsync(topic, payload, cancellationToken: cancel).ContinueWith(
                published =>
                {
                    window.Release();
                    return published;
                },
                TaskScheduler.Default).Unwrap());
            if (pending.Count >= 10_000)
            {
                pending.RemoveAll(t => t.IsCompletedSuccessfully);
            }
        }

        await Task.WhenAll(pending);
    }
}
