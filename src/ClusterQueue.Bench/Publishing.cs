using System.Buffers.Binary;
using System.Diagnostics;
using ClusterQueue.Client;
using ClusterQueue.Client.Producing;

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
        if (!await _free.WaitAsync(SettleWithin, cancel))
        {
            throw new TimeoutException($"no publish of the full window ({size:N0}) settled in {SettleWithin.TotalSeconds:0} s: the client lost their outcome");
        }

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

    /// <summary>
    /// The client settles every publish within its publish timeout (60 s by default): confirmed, or
    /// failed. A publish still unsettled after that and a margin lost its outcome in the client;
    /// the run fails saying so instead of waiting for ever.
    /// </summary>
    public static readonly TimeSpan SettleWithin = new ProducerOptions().PublishTimeout + TimeSpan.FromSeconds(30);

    /// <summary>Completes when every publish started has been confirmed; fails if one failed, or if one is unsettled after <see cref="SettleWithin"/>.</summary>
    public async Task AllConfirmedAsync()
    {
        var all = Task.WhenAll(_pending);
        if (await Task.WhenAny(all, Task.Delay(SettleWithin)) != all)
        {
            throw new TimeoutException(
                $"{_pending.Count(t => !t.IsCompleted):N0} publishes were neither confirmed nor failed {SettleWithin.TotalSeconds:0} s after the last was sent: the client lost their outcome");
        }

        await all;
    }

    public void Dispose() => _free.Dispose();
}
