using System.Buffers.Binary;
using System.Diagnostics;
using ClusterQueue.Client;
using ClusterQueue.Client.Consuming;
using ClusterQueue.Protocol.Topics;
using HdrHistogram;

namespace ClusterQueue.Bench;

/// <summary>
/// A workload run end to end through the public client API: producers publish (each publish
/// awaited for its confirmation, up to the in-flight limit), consumers ack every message, and
/// each message carries the time it was published so its delivery measures publish→deliver latency;
/// the producer's wait for each confirmation is measured too (publish→confirm), which tells the
/// publish path's share of the latency from the delivery's.
/// The first <see cref="Workload.Warmup"/> of traffic runs on the same topics, clients and nodes
/// but is not measured: it is where the nodes compile the hot paths (tiered JIT) and the clients
/// learn where the topics live, which a steady figure should not include. Every message, warm-up
/// or not, is still checked for duplicates and losses.
/// </summary>
public static class EndToEnd
{
    /// <param name="Rate">Messages per second over all producers; 0 = as fast as confirmations allow.</param>
    /// <param name="Count">Messages per producer; 0 = publish for <paramref name="Duration"/>.</param>
    /// <param name="Warmup">Unmeasured traffic before the measurement starts.</param>
    public sealed record Workload(string Name, int Topics, int Producers, int Consumers, int Groups, int Rate, long Count, TimeSpan Duration, int PayloadBytes, int InFlight, TimeSpan Warmup)
    {
        public IEnumerable<string> TopicNames(string runId) => Enumerable.Range(1, Topics).Select(i => $"bench-{Name}-{runId}-{i}");
    }

    public sealed record Result(
        string Workload,
        long Published,
        long Consumed,
        long Duplicates,
        long Missing,
        double PublishedPerSecond,
        double ConsumedPerSecond,
        double P50Ms,
        double P99Ms,
        double P999Ms,
        double MaxMs,
        double ConfirmP50Ms,
        double ConfirmP99Ms);

    private const int HeaderBytes = 16;

    /// <summary>Clients join as members, as applications beside the cluster would; a client leaving is not worth a log line here.</summary>
    public static QueueClientOptions MemberOptions(IReadOnlyList<ContactPoint> contacts) => new()
    {
        Mode = ConnectionMode.Member,
        ContactPoints = contacts,
        RequestTimeout = TimeSpan.FromSeconds(30),
        Hocon = "akka.loglevel = ERROR\nakka.remote.log-remote-lifecycle-events = off",
    };

    public static async Task<Result> RunAsync(Workload workload, IReadOnlyList<ContactPoint> contacts, TextWriter progress, CancellationToken cancel)
    {
        if (workload.PayloadBytes < HeaderBytes)
        {
            throw new ArgumentException($"--size must be at least {HeaderBytes} bytes (publish time and message number), not {workload.PayloadBytes}");
        }

        var runId = Guid.NewGuid().ToString("N")[..8];
        var topics = workload.TopicNames(runId).ToList();
        var options = MemberOptions(contacts);
        await using var consumerClient = await QueueClient.ConnectAsync(options, cancel);
        await using var producerClient = await QueueClient.ConnectAsync(options, cancel);

        var watch = new Stopwatch();
        var received = new Received(topics.Count * workload.Groups, watch);
        var subscriptions = new List<IAsyncDisposable>();
        for (var c = 0; c < workload.Consumers; c++)
        {
            for (var g = 0; g < workload.Groups; g++)
            {
                // Consumers of a group share the topics: consumer c takes every Consumers-th topic.
                foreach (var (topic, t) in topics.Select((topic, t) => (topic, t)).Where(x => x.t % workload.Consumers == c || workload.Topics < workload.Consumers))
                {
                    var stream = t * workload.Groups + g;
                    subscriptions.Add(await consumerClient.SubscribeAsync(
                        topic,
                        $"group-{g + 1}",
                        (consumed, _) =>
                        {
                            received.Record(stream, consumed.Message.Payload);
                            return Task.CompletedTask;
                        },
                        new ConsumerOptions { StartAt = StartPosition.Earliest, Credit = Math.Max(100, workload.InFlight) },
                        cancel));
                }
            }
        }

        var published = 0L;
        var confirmLatency = new LongHistogram(TimeSpan.FromMinutes(2).Ticks, 3);
        watch.Start();

        // Messages stamped from here on are measured; the stamp decides it on both sides.
        var measureFrom = Stopwatch.GetTimestamp() + (long)(workload.Warmup.TotalSeconds * Stopwatch.Frequency);
        received.MeasureFrom = measureFrom;
        using var reporter = new Timer(
            _ => progress.WriteLine(watch.Elapsed < workload.Warmup
                ? $"  {watch.Elapsed.TotalSeconds,5:0.0} s: warming up, consumed {received.Unique:N0}"
                : $"  {(watch.Elapsed - workload.Warmup).TotalSeconds,5:0.0} s: published {Interlocked.Read(ref published):N0}, consumed {received.Measured:N0}, p99 so far {received.Percentile(99):0.00} ms"),
            null,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(1));

        var producers = Enumerable.Range(0, workload.Producers).Select(p => Task.Run(async () =>
        {
            // Producer p publishes to every Producers-th topic, in turn.
            var own = topics.Where((_, t) => t % workload.Producers == p || workload.Topics < workload.Producers).ToList();
            var numbers = new long[own.Count];
            using var window = new ConfirmationWindow(workload.InFlight);
            var perProducerRate = workload.Rate / (double)workload.Producers;
            var measuredIssued = 0L;
            for (long i = 0; watch.Elapsed < workload.Warmup || (workload.Count > 0 ? measuredIssued < workload.Count : watch.Elapsed < workload.Warmup + workload.Duration); i++)
            {
                if (perProducerRate > 0)
                {
                    var due = TimeSpan.FromSeconds(i / perProducerRate);
                    if (due > watch.Elapsed)
                    {
                        await Task.Delay(due - watch.Elapsed, cancel);
                    }
                }

                var slot = (int)(i % own.Count);
                var measured = false;
                var stampedAt = 0L;

                // Stamped once the window has room, so the wait for it is not counted as latency.
                await window.PublishAsync(
                    () =>
                    {
                        var payload = new byte[workload.PayloadBytes];
                        var stamp = Stopwatch.GetTimestamp();
                        stampedAt = stamp;
                        measured = stamp >= measureFrom;
                        measuredIssued += measured ? 1 : 0;
                        BinaryPrimitives.WriteInt64LittleEndian(payload, stamp);
                        // Numbered per topic, apart for each producer, so consumers can tell a duplicate from a new message.
                        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(8), (numbers[slot]++ * workload.Producers) + p);
                        return producerClient.PublishAsync(own[slot], payload, cancellationToken: cancel);
                    },
                    cancel,
                    () =>
                    {
                        if (measured)
                        {
                            Interlocked.Increment(ref published);
                            var waited = Stopwatch.GetElapsedTime(stampedAt).Ticks;
                            lock (confirmLatency)
                            {
                                confirmLatency.RecordValue(waited);
                            }
                        }
                    });
            }

            await window.AllConfirmedAsync();
            return numbers;
        }, cancel)).ToList();

        var sent = await Task.WhenAll(producers);
        var publishElapsed = watch.Elapsed - workload.Warmup;
        var expected = sent.Sum(numbers => numbers.Sum()) * workload.Groups;

        // Everything confirmed is delivered to every group, however long the tail takes (bounded).
        var drainDeadline = watch.Elapsed + TimeSpan.FromSeconds(60);
        while (received.Unique < expected && watch.Elapsed < drainDeadline)
        {
            await Task.Delay(20, cancel);
        }

        var consumeElapsed = (received.LastAt ?? watch.Elapsed) - workload.Warmup;
        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync();
        }

        var total = Interlocked.Read(ref published);
        return new Result(
            workload.Name,
            total,
            received.Measured,
            received.Duplicates,
            Math.Max(0, expected - received.Unique),
            total / publishElapsed.TotalSeconds,
            received.Measured / consumeElapsed.TotalSeconds,
            received.Percentile(50),
            received.Percentile(99),
            received.Percentile(99.9),
            received.Max,
            ConfirmPercentile(confirmLatency, 50),
            ConfirmPercentile(confirmLatency, 99));
    }

    private static double ConfirmPercentile(LongHistogram histogram, double percentile)
    {
        lock (histogram)
        {
            return PercentileMs(histogram, percentile);
        }
    }

    /// <summary>A percentile of a histogram of ticks, in milliseconds; 0 when it is empty. The caller holds its lock.</summary>
    private static double PercentileMs(LongHistogram histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : Milliseconds(histogram.GetValueAtPercentile(percentile));

    private static double Milliseconds(long ticks) => TimeSpan.FromTicks(ticks).TotalMilliseconds;

    /// <summary>
    /// What consumers received: each stream's (topic and group) message numbers seen, and the
    /// latency histogram of the messages published once the warm-up was over.
    /// </summary>
    private sealed class Received(int streams, Stopwatch since)
    {
        private readonly List<ulong[]>[] _seen = [.. Enumerable.Range(0, streams).Select(_ => new List<ulong[]>())];
        private readonly LongHistogram _latency = new(TimeSpan.FromMinutes(2).Ticks, 3);
        private long _unique;
        private long _measured;
        private long _duplicates;
        private TimeSpan? _lastAt;

        /// <summary>Distinct messages received, warm-up included.</summary>
        public long Unique => Interlocked.Read(ref _unique);

        /// <summary>Distinct messages received that were published after the warm-up.</summary>
        public long Measured => Interlocked.Read(ref _measured);

        /// <summary>The Stopwatch timestamp from which a message's publish is measured.</summary>
        public long MeasureFrom { get; set; }

        public long Duplicates => Interlocked.Read(ref _duplicates);

        public TimeSpan? LastAt
        {
            get
            {
                lock (_latency)
                {
                    return _lastAt;
                }
            }
        }

        public double Max
        {
            get
            {
                lock (_latency)
                {
                    return Milliseconds(_latency.GetMaxValue());
                }
            }
        }

        public void Record(int stream, byte[] payload)
        {
            var publishedAt = BinaryPrimitives.ReadInt64LittleEndian(payload);
            var elapsedTicks = Stopwatch.GetElapsedTime(publishedAt).Ticks;
            var number = BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(8));
            lock (_latency)
            {
                var chunks = _seen[stream];
                var (chunk, bit) = ((int)(number / (64 * 1024)), number % (64 * 1024));
                while (chunks.Count <= chunk)
                {
                    chunks.Add(new ulong[1024]);
                }

                ref var word = ref chunks[chunk][bit / 64];
                var mask = 1UL << (int)(bit % 64);
                if ((word & mask) != 0)
                {
                    _duplicates++;
                    return;
                }

                word |= mask;
                _unique++;
                if (publishedAt < MeasureFrom)
                {
                    return;
                }

                _measured++;
                _latency.RecordValue(Math.Max(0, elapsedTicks));
                _lastAt = since.Elapsed;
            }
        }

        public double Percentile(double percentile)
        {
            lock (_latency)
            {
                return PercentileMs(_latency, percentile);
            }
        }
    }
}
