using System.Diagnostics;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Bench;

/// <summary>
/// One producer publishing to one topic with many publishes awaiting confirmation: how many
/// confirmed (committed) publishes per second the topic sustains.
/// </summary>
public static class PublishRate
{
    public sealed record Options(int Count, int InFlight, int Batch, int PayloadBytes, string Topic);

    public sealed record Result(int Confirmed, TimeSpan Elapsed)
    {
        public double PerSecond => Confirmed / Elapsed.TotalSeconds;
    }

    /// <param name="send">Sends one publish and returns the topic's reply.</param>
    public static async Task<Result> RunAsync(Func<Publish, Task<object>> send, Options options, TextWriter progress)
    {
        var payload = new byte[options.PayloadBytes];
        var producerId = $"bench-{Guid.NewGuid():N}";
        var batches = (options.Count + options.Batch - 1) / options.Batch;
        var nextBatch = -1;
        var confirmed = 0;
        var watch = Stopwatch.StartNew();

        async Task Publisher()
        {
            for (var b = Interlocked.Increment(ref nextBatch); b < batches; b = Interlocked.Increment(ref nextBatch))
            {
                var first = (long)b * options.Batch + 1;
                var size = (int)Math.Min(options.Batch, options.Count - (first - 1));
                var messages = Enumerable.Range(0, size).Select(i => new OutgoingMessage(first + i, payload)).ToList();
                var reply = await send(new Publish(options.Topic, producerId, messages));
                if (reply is not PublishResult result || !result.Outcomes.All(o => o.Confirmed))
                {
                    throw new InvalidOperationException($"publish refused: {reply}");
                }

                if (Interlocked.Add(ref confirmed, size) % 10_000 < size)
                {
                    await progress.WriteLineAsync($"  {confirmed} confirmed, {confirmed / watch.Elapsed.TotalSeconds:0} /s");
                }
            }
        }

        var publishers = Math.Max(1, options.InFlight / options.Batch);
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(_ => Task.Run(Publisher)));
        return new Result(confirmed, watch.Elapsed);
    }
}
