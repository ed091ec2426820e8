using System.Buffers.Binary;
using System.Diagnostics;
using ClusterQueue.Client;

namespace ClusterQueue.Bench;

/// <summary>Fills a topic: numbered messages, published with up to 1,000 awaiting confirmation.</summary>
public static class Publishing
{
    public static async Task PublishAsync(QueueClient client, string topic, int count, int payloadBytes, CancellationToken cancel)
    {
        using var window = new ConfirmationWindow(1000);
        for (var i = 0; i < count; i++)
        {
            var number = i;
            await window.PublishAsync(
                () =>
                {
                    var payload = new byte[payloadBytes];
                    BinaryPrimitives.WriteInt64LittleEndian(payload, Stopwatch.GetTimestamp());
                    BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(8), number);
                    return client.PublishAsync(topic, payload, cancellationToken: cancel);
                },
                cancel);
        }

        await window.AllConfirmedAsync();
    }
}

/// <summary>Publishes with at most <c>size</c> publishes awaiting confirmation at once, as a producer with a window does.</summary>
public sealed class ConfirmationWindow(int size) : IDisposable
{
    private readonly SemaphoreSlim _free = new(size);
    private readonly List<Task> _pending = [];

    /// <summary>Waits for room in the window, then starts the publish (only then, so it can stamp the time); <paramref name="confirmed"/> runs once it is confirmed.</summary>
    public async Task PublishAsync(Func<Task> publish, CancellationToken cancel, Action? confirmed = null)
    {
        await _free.WaitAsync(cancel);
        _pending.Add(publish().ContinueWith(
            outcome =>
            {
                _free.Release();
                if (outcome.IsCompletedSuccessfully)
                {
                    confirmed?.Invoke();
                }

                return outcome;
            },
            TaskScheduler.Default).Unwrap());
        if (_pending.Count >= 10_000)
        {
            _pending.RemoveAll(t => t.IsCompletedSuccessfully);
        }
    }

    /// <summary>Completes when every publish started has been confirmed; fails if one failed.</summary>
    public Task AllConfirmedAsync() => Task.WhenAll(_pending);

    public void Dispose() => _free.Dispose();
}
