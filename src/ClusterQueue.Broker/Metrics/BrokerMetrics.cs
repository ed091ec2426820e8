using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Metrics;

/// <summary>
/// The broker's instruments, one set per ActorSystem, under the meter <see cref="MeterName"/>:
/// counters topics add to as their outputs commit, gauges read from the readings topics leave
/// (so a scrape never touches an actor's state), and histograms of journal writes.
/// </summary>
public sealed class BrokerMetrics : IExtension, IDisposable
{
    public const string MeterName = "ClusterQueue.Broker";
    public const string TopicTag = "topic";
    public const string GroupTag = "group";

    private static readonly double[] WriteSecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    private static readonly long[] BatchBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

    private readonly Meter _meter = new(MeterName);
    private readonly ConcurrentDictionary<string, TopicStats> _readings = new();
    private readonly Counter<long> _published;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _redelivered;
    private readonly Counter<long> _acked;
    private readonly Counter<long> _deadLettered;
    private readonly Histogram<double> _writeSeconds;
    private readonly Histogram<long> _writeMessages;

    public BrokerMetrics()
    {
        _published = _meter.CreateCounter<long>("clusterqueue.messages.published", "{message}", "Messages a topic stored (duplicates left out).");
        _delivered = _meter.CreateCounter<long>("clusterqueue.messages.delivered", "{message}", "Messages sent to consumers, redeliveries included.");
        _redelivered = _meter.CreateCounter<long>("clusterqueue.messages.redelivered", "{message}", "Deliveries beyond a message's first to its group.");
        _acked = _meter.CreateCounter<long>("clusterqueue.messages.acked", "{message}", "Messages a group finished.");
        _deadLettered = _meter.CreateCounter<long>("clusterqueue.messages.dead_lettered", "{message}", "Messages a group gave up on, sent to the dead-letter topic.");
        _writeSeconds = _meter.CreateHistogram(
            "clusterqueue.journal.write.duration", "s", "Time from a journal write's start to its commit (one transaction, one fsync).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WriteSecondsBuckets });
        _writeMessages = _meter.CreateHistogram(
            "clusterqueue.journal.write.messages", "{message}", "Messages appended by one journal write (writes that append any).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = BatchBuckets });
        _meter.CreateObservableGauge("clusterqueue.topic.pending", () => PerTopic(s => s.Pending), "{message}", "Messages a topic holds: waiting, in flight or delayed.");
        _meter.CreateObservableGauge("clusterqueue.topic.in_flight", () => PerTopic(s => s.InFlight), "{message}", "Leases outstanding, summed over groups.");
        _meter.CreateObservableGauge("clusterqueue.topic.consumers", () => PerTopic(s => s.Consumers), "{consumer}", "Consumers subscribed, summed over groups.");
        _meter.CreateObservableGauge("clusterqueue.group.lag", PerGroupLag, "{message}", "Messages a group has not finished.");
    }

    public static BrokerMetrics Get(ActorSystem system) => system.WithExtension<BrokerMetrics, BrokerMetricsProvider>();

    public void Record(string topic, TopicActivity activity)
    {
        var tag = new KeyValuePair<string, object?>(TopicTag, topic);
        Add(_published, activity.Published, tag);
        Add(_delivered, activity.Delivered, tag);
        Add(_redelivered, activity.Redelivered, tag);
        Add(_acked, activity.Acked, tag);
        Add(_deadLettered, activity.DeadLettered, tag);
    }

    public void RecordWrite(TimeSpan duration, int messagesAppended)
    {
        _writeSeconds.Record(duration.TotalSeconds);
        if (messagesAppended > 0)
        {
            _writeMessages.Record(messagesAppended);
        }
    }

    /// <summary>The topic's counters as the gauges report them until the next reading.</summary>
    public void Read(TopicStats stats) => _readings[stats.Topic] = stats;

    /// <summary>The topic stopped on this node: its gauges go with it (they reappear where it starts).</summary>
    public void Forget(string topic) => _readings.TryRemove(topic, out _);

    public void Dispose() => _meter.Dispose();

    private static void Add(Counter<long> counter, long value, KeyValuePair<string, object?> tag)
    {
        if (value > 0)
        {
            counter.Add(value, tag);
        }
    }

    private IEnumerable<Measurement<long>> PerTopic(Func<TopicStats, long> value) =>
        _readings.Values.Select(s => new Measurement<long>(value(s), new KeyValuePair<string, object?>(TopicTag, s.Topic)));

    private IEnumerable<Measurement<long>> PerGroupLag() =>
        _readings.Values.SelectMany(s => s.Groups.Select(g => new Measurement<long>(
            g.Lag,
            new KeyValuePair<string, object?>(TopicTag, s.Topic),
            new KeyValuePair<string, object?>(GroupTag, g.Group))));
}

public sealed class BrokerMetricsProvider : ExtensionIdProvider<BrokerMetrics>
{
    public override BrokerMetrics CreateExtension(ExtendedActorSystem system)
    {
        var metrics = new BrokerMetrics();
        system.RegisterOnTermination(metrics.Dispose);
        return metrics;
    }
}
