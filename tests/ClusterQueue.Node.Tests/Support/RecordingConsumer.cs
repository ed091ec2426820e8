using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Node.Tests.Support;

/// <summary>A delivery as a test consumer saw it.</summary>
public sealed record Received(long SequenceNr, string Payload, int Attempt, DateTime At);

/// <summary>
/// A test consumer that records and acks every delivery, heartbeats its subscription, and
/// subscribes again when the topic no longer knows it (the topic restarted or moved) or stops
/// answering, as the client's consumer actor will.
/// </summary>
public sealed class RecordingConsumer : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan SilenceBeforeResubscribing = TimeSpan.FromSeconds(3);

    private readonly IActorRef _topics;
    private readonly string _topic;
    private readonly string _group;
    private readonly int _credit;
    private DateTime _lastAnswer = DateTime.UtcNow;

    public RecordingConsumer(IActorRef topics, string topic, string group, int credit, ConcurrentQueue<Received> received)
    {
        _topics = topics;
        _topic = topic;
        _group = group;
        _credit = credit;
        Receive<Beat>(_ =>
        {
            if (DateTime.UtcNow - _lastAnswer > SilenceBeforeResubscribing)
            {
                Subscribe();
            }

            _topics.Tell(new Heartbeat(_topic, _group, ConsumerId));
        });
        Receive<Subscribed>(_ => _lastAnswer = DateTime.UtcNow);
        Receive<HeartbeatAck>(_ => _lastAnswer = DateTime.UtcNow);
        Receive<TopicError>(e => e.Code == ErrorCode.UnknownConsumer, _ => Subscribe());
        Receive<TopicError>(_ => { });
        Receive<AckResult>(_ => { });
        Receive<Delivery>(delivery =>
        {
            _lastAnswer = DateTime.UtcNow;
            foreach (var message in delivery.Messages)
            {
                received.Enqueue(new Received(message.Message.SequenceNr, Encoding.UTF8.GetString(message.Message.Payload), message.Attempt, DateTime.UtcNow));
            }

            _topics.Tell(new Ack(_topic, _group, [.. delivery.Messages.Select(m => m.Message.SequenceNr)]));
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private static string ConsumerId => "recorder";

    public static Props Props(IActorRef topics, string topic, string group, int credit, ConcurrentQueue<Received> received) =>
        Akka.Actor.Props.Create(() => new RecordingConsumer(topics, topic, group, credit, received));

    protected override void PreStart()
    {
        Subscribe();
        Timers.StartPeriodicTimer(Beat.Instance, Beat.Instance, HeartbeatInterval);
    }

    private void Subscribe()
    {
        _lastAnswer = DateTime.UtcNow;
        _topics.Tell(new Subscribe(_topic, _group, ConsumerId, StartPosition.Earliest, _credit));
    }

    private sealed class Beat
    {
        public static readonly Beat Instance = new();
    }
}
