using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using ClusterQueue.Client;
using ClusterQueue.Client.Producing;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Chaos;

/// <param name="Duration">Faults keep coming until this long has passed, and until every kind came once.</param>
/// <param name="Rate">Messages published per second, over all producers.</param>
/// <param name="PoisonShare">Share of messages that every handler fails on: they must end in the dead-letter topics.</param>
public sealed record ChaosOptions(int Seed, TimeSpan Duration, int Brokers, int Topics, int Producers, int Rate, double PoisonShare, string RunDir)
{
    public JournalKind Journal { get; init; } = JournalKind.Sqlite;

    /// <summary>How long a broker stays stopped: past failure detection and the resolver's stable-after (testing.conf: ~3 s + 3 s).</summary>
    public TimeSpan PauseLength { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan JournalOutageLength { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan SlowLength { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time given to the cluster after it is whole again, before the next fault.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After the last fault, how long the consumers get to drain every topic.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(120);
}

/// <summary>One chaos run: cluster, workload, faults, drain, check.</summary>
public sealed class ChaosRun(ChaosOptions options, TextWriter log)
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(120);
    private readonly ConcurrentQueue<PublishRecord> _publishes = new();
    private readonly List<FaultRecord> _faults = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private IReadOnlyList<string> Topics { get; } = [.. Enumerable.Range(1, options.Topics).Select(i => $"chaos-{i}")];

    public async Task<ChaosSummary> RunAsync()
    {
        Directory.CreateDirectory(options.RunDir);
        Say($"seed {options.Seed} (replay with --seed {options.Seed}); {options.Brokers} brokers on {options.Journal}, {options.Topics} topics, {options.Rate} msg/s; logs in {options.RunDir}");
        await using var journal = await ChaosJournal.StartAsync(options.Journal);
        await using var brokers = await BrokerFleet.StartAsync(options.RunDir, options.Brokers, journal.NodeEnvironment, NodeTimeout);
        Say($"{brokers.Count} brokers Up");
        await using var client = await QueueClient.ConnectAsync(new QueueClientOptions
        {
            ContactPoints = brokers.ContactPoints,
            RequestTimeout = TimeSpan.FromSeconds(10),
            // Remoting reports every killed broker at ERROR; the run says what it did itself.
            Hocon = "akka.loglevel = OFF\nakka.stdout-loglevel = OFF",
            Producer = new ProducerOptions { PublishTimeout = TimeSpan.FromSeconds(90), RequestTimeout = TimeSpan.FromSeconds(3) },
        });
        foreach (var topic in Topics)
        {
            var settings = TopicSettings.Default with { MaxDeliveries = 3, AckTimeout = TimeSpan.FromSeconds(10), ConsumerTimeout = TimeSpan.FromSeconds(10) };
            await RetryAsync(async () => await client.RequestAsync(new ConfigureTopic(topic, settings)) is TopicConfigured);
        }

        var consumers = new ConsumerFleet(options.RunDir, brokers.ContactPoints, Topics, [("c1", "g1"), ("c2", "g1"), ("c3", "g2")]);
        IReadOnlyList<ReceiveRecord> receives;
        IReadOnlyList<DeadLetterRecord> deadLetters;
        await using (consumers)
        {
            consumers.StartAll();
            foreach (var topic in Topics)
            {
                await RetryAsync(async () => await client.RequestAsync(new GetTopicStats(topic)) is TopicStats { Groups.Count: 2 });
            }

            Say("consumers subscribed; publishing");
            using var stopPublishing = new CancellationTokenSource();
            var producers = Enumerable.Range(1, options.Producers).Select(p => ProduceAsync(client, p, stopPublishing.Token)).ToList();
            await Task.Delay(options.Settle);

            var kindsSeen = new HashSet<FaultKind>();
            foreach (var fault in FaultSchedule.Draw(options.Seed))
            {
                if (_clock.Elapsed >= options.Duration && kindsSeen.Count == Enum.GetValues<FaultKind>().Length)
                {
                    break;
                }

                kindsSeen.Add(fault.Kind);
                await InjectAsync(fault, journal, brokers, consumers);
            }

            await stopPublishing.CancelAsync();
            await Task.WhenAll(producers);
            Say($"faults done; {_publishes.Count} publishes; draining");
            await DrainAsync(client);
            deadLetters = await ReadDeadLettersAsync(client);
        }

        receives = consumers.ReadReceives();
        var summary = Checker.Check(new History([.. _publishes], receives, deadLetters, _faults, consumers.Groups));
        Say($"checked {receives.Count} deliveries; brokers restarted {brokers.Restarts} times by the runner");
        return summary;
    }

    private async Task ProduceAsync(QueueClient client, int producer, CancellationToken stop)
    {
        var random = new Random(HashCode.Combine(options.Seed, producer));
        const int together = 10;
        var pause = TimeSpan.FromSeconds(together * options.Producers / (double)options.Rate);
        for (var n = 0; !stop.IsCancellationRequested; n += together)
        {
            var started = _clock.Elapsed;
            await Task.WhenAll(Enumerable.Range(n, together).Select(i =>
                PublishAsync(client, $"p{producer}-{i}", Topics[random.Next(Topics.Count)], random.NextDouble() < options.PoisonShare)));
            var rest = pause - (_clock.Elapsed - started);
            if (rest > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(rest, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task PublishAsync(QueueClient client, string id, string topic, bool poison)
    {
        var payload = Encoding.UTF8.GetBytes(poison ? ConsumerProcess.PoisonPrefix + id : id);
        try
        {
            var seq = await client.PublishAsync(topic, payload, messageId: id);
            _publishes.Enqueue(new PublishRecord(id, topic, poison, PublishOutcome.Confirmed, seq, DateTime.UtcNow));
        }
        catch (PublishRejectedException e)
        {
            Say($"{id} refused: {e.Message}");
            _publishes.Enqueue(new PublishRecord(id, topic, poison, PublishOutcome.Refused, 0, DateTime.UtcNow));
        }
        catch (TimeoutException)
        {
            _publishes.Enqueue(new PublishRecord(id, topic, poison, PublishOutcome.Unknown, 0, DateTime.UtcNow));
        }
    }

    private async Task InjectAsync(PlannedFault fault, ChaosJournal journal, BrokerFleet brokers, ConsumerFleet consumers)
    {
        var start = DateTime.UtcNow;
        var broker = fault.Target % brokers.Count;
        var consumer = fault.Target % consumers.Count;
        string target;
        switch (fault.Kind)
        {
            case FaultKind.KillBroker:
                target = brokers.Describe(broker);
                Say($"SIGKILL {target}");
                brokers.Kill(broker);
                break;
            case FaultKind.PauseBroker:
                target = brokers.Describe(broker);
                Say($"SIGSTOP {target} for {options.PauseLength.TotalSeconds:0} s");
                brokers.Pause(broker);
                await Task.Delay(options.PauseLength);
                brokers.Resume(broker);
                break;
            case FaultKind.RollingRestart:
                target = "every broker";
                for (var i = 0; i < brokers.Count; i++)
                {
                    Say($"rolling restart: SIGTERM {brokers.Describe(i)}");
                    await brokers.RestartGracefullyAsync(i, NodeTimeout);
                }

                break;
            case FaultKind.KillConsumer:
                target = consumers.Describe(consumer);
                Say($"SIGKILL {target}");
                await consumers.KillAsync(consumer);
                await Task.Delay(TimeSpan.FromSeconds(1));
                consumers.Start(consumer);
                break;
            case FaultKind.JournalOutage:
                target = "the journal";
                Say(journal.Describe(options.JournalOutageLength));
                await journal.MakeUnavailableAsync(brokers.DataDir, options.JournalOutageLength);
                break;
            case FaultKind.SlowConsumer:
                target = consumers.Describe(consumer);
                Say($"{target} slow for {options.SlowLength.TotalSeconds:0} s");
                consumers.SetSlow(consumer, true);
                await Task.Delay(options.SlowLength);
                consumers.SetSlow(consumer, false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault.Kind, "no such fault");
        }

        await brokers.WaitUntilAllReadyAsync(NodeTimeout);
        await Task.Delay(options.Settle);
        _faults.Add(new FaultRecord(fault.Kind, target, start, DateTime.UtcNow));
        Say($"{fault.Kind} on {target}: settled after {(DateTime.UtcNow - start).TotalSeconds:0.0} s");
    }

    /// <summary>
    /// Waits until every topic holds nothing: each confirmed message acked by both groups, or
    /// dead-lettered and its dead letter confirmed by the dead-letter topic (until then the topic
    /// holds it as forwarding, not pending).
    /// </summary>
    private async Task DrainAsync(QueueClient client)
    {
        var deadline = _clock.Elapsed + options.DrainTimeout;
        var left = new Dictionary<string, string>();
        while (_clock.Elapsed < deadline)
        {
            foreach (var topic in Topics)
            {
                try
                {
                    left[topic] = await client.RequestAsync(new GetTopicStats(topic)) is TopicStats stats
                        ? stats is { Pending: 0, Forwarding: 0 } ? "" : $"{stats.Pending} pending, {stats.Forwarding} forwarding"
                        : "no stats";
                }
                catch (ClusterUnreachableException)
                {
                    left[topic] = "no answer";
                }
            }

            if (left.Values.All(l => l.Length == 0))
            {
                Say("every topic drained");
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Say($"not drained within {options.DrainTimeout.TotalSeconds:0} s: {string.Join(", ", left.Where(l => l.Value.Length > 0).Select(l => $"{l.Key} holds {l.Value}"))}");
    }

    /// <summary>Reads every dead-letter topic through a group of its own, from the oldest.</summary>
    private async Task<IReadOnlyList<DeadLetterRecord>> ReadDeadLettersAsync(QueueClient client)
    {
        var letters = new List<DeadLetterRecord>();
        foreach (var topic in Topics.Select(TopicNames.DeadLetterTopicOf))
        {
            if (await client.RequestAsync(new GetTopicStats(topic)) is not TopicStats { Pending: > 0 } stats)
            {
                continue;
            }

            // Counted by sequence number: a letter delivered again to this reader is not another one.
            var read = new HashSet<long>();
            using var enough = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await foreach (var letter in client.ConsumeAsync(topic, "chaos-checker", new Client.Consuming.ConsumerOptions { StartAt = StartPosition.Earliest }, enough.Token))
            {
                var text = Encoding.UTF8.GetString(letter.Payload);
                var headers = letter.Message.Headers;
                letters.Add(new DeadLetterRecord(
                    text.StartsWith(ConsumerProcess.PoisonPrefix, StringComparison.Ordinal) ? text[ConsumerProcess.PoisonPrefix.Length..] : text,
                    headers.GetValueOrDefault(DeadLetterHeaders.Topic, "?"),
                    headers.GetValueOrDefault(DeadLetterHeaders.Group, "?"),
                    headers.GetValueOrDefault(DeadLetterHeaders.Reason, "?")));
                letter.Ack();
                if (read.Add(letter.Message.SequenceNr) && read.Count >= stats.Pending)
                {
                    break;
                }
            }
        }

        return letters;
    }

    private async Task RetryAsync(Func<Task<bool>> attempt)
    {
        var deadline = _clock.Elapsed + NodeTimeout;
        while (_clock.Elapsed < deadline)
        {
            try
            {
                if (await attempt())
                {
                    return;
                }
            }
            catch (ClusterUnreachableException)
            {
                // The cluster is busy with a fault: ask again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        throw new TimeoutException($"the cluster did not do what the run needs within {NodeTimeout.TotalSeconds:0} s");
    }

    private void Say(string line)
    {
        lock (log)
        {
            log.WriteLine($"[{_clock.Elapsed:hh\\:mm\\:ss}] {line}");
        }
    }
}
