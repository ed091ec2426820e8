using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client.Consuming;

/// <summary>
/// Subscribes a handler to one topic and group: runs the handler for each delivery (up to
/// <see cref="ConsumerOptions.MaxConcurrency"/> at once), acks what it handled (batched) and nacks
/// what it failed, extends the lease of a message whose handler runs long, and heartbeats. When
/// the topic stops knowing it (it restarted or moved) or goes silent, it subscribes again: the
/// messages it had not acked are delivered again. Stopping it unsubscribes, which hands its
/// unacked messages back to the group at once.
/// </summary>
/// <remarks>
/// Death watch alone would not notice a topic that moved: across remoting it fires only after
/// the split-brain resolver acts. The heartbeat's answer is the signal. A consumer that is a
/// cluster member also learns when the node that answered for its topic is removed: it then
/// heartbeats every <see cref="TopicMovedBeatInterval"/> until the topic answers from its new
/// node, so its unacked messages come back as soon as the topic has moved, not at the next beat.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "An actor's life ends in PostStop, which disposes it.")]
public sealed class ConsumerActor : ReceiveActor, IWithTimers
{
    private readonly IActorRef _topics;
    private readonly string _topic;
    private readonly string _group;
    private readonly ConsumerOptions _options;
    private readonly Func<ConsumedMessage, CancellationToken, Task>? _handler;
    private readonly ChannelWriter<ReceivedMessage>? _caller;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<DeliveredMessage> _waiting = new();
    private readonly Dictionary<long, Running> _running = [];
    private readonly List<long> _acks = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource? _subscribed;
    private DateTime _lastAnswer = DateTime.UtcNow;
    private DateTime _subscribeSentAt = DateTime.MinValue;
    private DateTime _topicMovedAt;
    private Address? _topicAddress;
    private bool _subscribing;
    private bool _unsubscribed;

    /// <param name="handler">Runs for each delivery; its success acks, its failure nacks. Null when <paramref name="caller"/> is given.</param>
    /// <param name="caller">Gets each delivery in order, to ack or nack it itself (<see cref="ReceivedMessage"/>). Null when <paramref name="handler"/> is given.</param>
    /// <param name="subscribed">Completed when the topic first confirms the subscription; failed if it refuses it first.</param>
    public ConsumerActor(
        IActorRef topics,
        string topic,
        string group,
        ConsumerOptions options,
        Func<ConsumedMessage, CancellationToken, Task>? handler,
        ChannelWriter<ReceivedMessage>? caller,
        TaskCompletionSource? subscribed)
    {
        _topics = topics;
        _topic = topic;
        _group = group;
        _options = options;
        _handler = handler;
        _caller = caller;
        _subscribed = subscribed;

        Receive<Subscribed>(_ =>
        {
            HeardFromTopic();
            _subscribing = false;
            _subscribed?.TrySetResult();
        });
        Receive<HeartbeatAck>(_ => HeardFromTopic());
        Receive<AckResult>(_ => HeardFromTopic());
        Receive<Unsubscribed>(_ => { });
        Receive<TopicError>(e => e.Code == ErrorCode.UnknownConsumer, _ =>
        {
            HeardFromTopic();

            // Heartbeats held by the shard region while the topic moved all arrive at once; the
            // first one's subscription is enough (each more would hand out again what the
            // previous one was just given). One not answered in time is asked for again.
            if (!_subscribing || DateTime.UtcNow - _subscribeSentAt > SubscribeAnswerWait)
            {
                Subscribe();
            }
        });
        Receive<TopicError>(e => e.Code == ErrorCode.JournalWriteFailed && _subscribing, e =>
        {
            // Nothing was written, so nothing is lost: the topic restarts from its journal, and
            // the subscription is asked for again once the journal has had a moment.
            _log.Warning("Topic {0} could not record consumer {1} of group {2}; subscribing again in {3}", _topic, _options.ConsumerId, _group, SubscribeRetryDelay);
            Timers.StartSingleTimer(RetrySubscribe.Instance, RetrySubscribe.Instance, SubscribeRetryDelay);
        });
        Receive<RetrySubscribe>(_ =>
        {
            if (_subscribing)
            {
                Subscribe();
            }
        });
        Receive<TopicError>(e =>
        {
            _log.Warning("Topic {0} refused consumer {1} of group {2}: {3} {4}", _topic, _options.ConsumerId, _group, e.Code, e.Message);
            _subscribed?.TrySetException(new SubscriptionRejectedException(_topic, _group, e.Code, e.Message));
        });
        Receive<Delivery>(delivery =>
        {
            HeardFromTopic();
            foreach (var message in delivery.Messages)
            {
                _waiting.Enqueue(message);
            }

            StartHandlers();
        });
        Receive<Handled>(OnHandled);
        Receive<Beat>(_ =>
        {
            if (DateTime.UtcNow - _lastAnswer > _options.SilenceBeforeResubscribing)
            {
                Subscribe();
            }

            _topics.Tell(new Heartbeat(_topic, _group, _options.ConsumerId));
            ExtendLongLeases();
        });
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            if (removed.Member.Address.Equals(_topicAddress))
            {
                _topicAddress = null;
                _topicMovedAt = DateTime.UtcNow;
                Timers.StartPeriodicTimer(TopicMovedBeat.Instance, TopicMovedBeat.Instance, TopicMovedBeatInterval);
            }
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<TopicMovedBeat>(_ =>
        {
            if (DateTime.UtcNow - _topicMovedAt > _options.SilenceBeforeResubscribing)
            {
                Timers.Cancel(TopicMovedBeat.Instance);
                return;
            }

            _topics.Tell(new Heartbeat(_topic, _group, _options.ConsumerId));
        });
        Receive<FlushAcks>(_ => FlushAcksNow());
        Receive<StopConsuming>(_ => Leave());
    }

    /// <summary>How long a stopping consumer waits for its running handlers and the topic's confirmation that it left before it stops anyway.</summary>
    public static readonly TimeSpan UnsubscribeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long a consumer waits before asking again for a subscription the journal could not record.</summary>
    internal static readonly TimeSpan SubscribeRetryDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a consumer heartbeats while its topic moves off a removed node (the shard region holds the beats until the topic has a new home).</summary>
    internal static readonly TimeSpan TopicMovedBeatInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a subscription sent is awaited before the topic's "unknown consumer" asks for it again.</summary>
    internal static readonly TimeSpan SubscribeAnswerWait = TimeSpan.FromSeconds(1);

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(
        IActorRef topics,
        string topic,
        string group,
        ConsumerOptions options,
        Func<ConsumedMessage, CancellationToken, Task> handler,
        TaskCompletionSource? subscribed = null) =>
        Akka.Actor.Props.Create(() => new ConsumerActor(topics, topic, group, options, handler, null, subscribed));

    /// <summary>A consumer that hands each delivery, in order, to a caller who acks or nacks it.</summary>
    internal static Props PropsForCaller(
        IActorRef topics,
        string topic,
        string group,
        ConsumerOptions options,
        ChannelWriter<ReceivedMessage> caller,
        TaskCompletionSource subscribed) =>
        Akka.Actor.Props.Create(() => new ConsumerActor(topics, topic, group, options, null, caller, subscribed));

    protected override void PreStart()
    {
        if (IsClusterMember)
        {
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));
        }

        Subscribe();
        Timers.StartPeriodicTimer(Beat.Instance, Beat.Instance, _options.HeartbeatInterval);
    }

    protected override void PostStop()
    {
        if (IsClusterMember)
        {
            Cluster.Get(Context.System).Unsubscribe(Self);
        }

        _subscribed?.TrySetCanceled();
        _caller?.TryComplete(new OperationCanceledException($"the consumer of topic '{_topic}' stopped: its client is shutting down"));
        _stopping.Cancel();
        if (!_unsubscribed)
        {
            FlushAcksNow();
            _topics.Tell(new Unsubscribe(_topic, _group, _options.ConsumerId));
        }

        _stopping.Dispose();
    }

    /// <summary>
    /// Lets running handlers finish (their acks and nacks go out), leaves the group and stops once
    /// the topic confirms, all within <see cref="UnsubscribeTimeout"/>: what it had not acked goes
    /// back to the group before its client, maybe shutting down next, can no longer say so. A caller
    /// (<see cref="QueueClient.ConsumeAsync"/>) that stopped reading acks nothing more, so it is not waited for.
    /// </summary>
    private void Leave()
    {
        _waiting.Clear();
        Timers.StartSingleTimer(LeaveTimedOut.Instance, LeaveTimedOut.Instance, UnsubscribeTimeout);
        if (_caller is not null || _running.Count == 0)
        {
            LeaveGroup();
            return;
        }

        Become(() =>
        {
            Receive<Handled>(handled =>
            {
                OnHandled(handled);
                if (_running.Count == 0)
                {
                    LeaveGroup();
                }
            });
            Receive<LeaveTimedOut>(_ =>
            {
                _log.Warning("Consumer {0} of topic {1} stops with {2} handlers still running; their messages go back to group {3}", _options.ConsumerId, _topic, _running.Count, _group);
                Context.Stop(Self);
            });
            ReceiveAny(_ => { });
        });
    }

    private void LeaveGroup()
    {
        _stopping.Cancel();
        FlushAcksNow();
        _topics.Tell(new Unsubscribe(_topic, _group, _options.ConsumerId));
        _unsubscribed = true;
        Become(() =>
        {
            Receive<Unsubscribed>(_ => Context.Stop(Self));
            Receive<LeaveTimedOut>(_ =>
            {
                _log.Warning("Topic {0} did not confirm that consumer {1} left group {2}; its leases end with the ack timeout", _topic, _options.ConsumerId, _group);
                Context.Stop(Self);
            });
            ReceiveAny(_ => { });
        });
    }

    /// <summary>A member client sees the cluster's membership; a gateway client does not.</summary>
    private static bool IsClusterMember => ((ExtendedActorSystem)Context.System).Provider is IClusterActorRefProvider;

    private void Heard() => _lastAnswer = DateTime.UtcNow;

    /// <summary>An answer from the topic: it lives, and (for a cluster member) on the node it was sent from.</summary>
    private void HeardFromTopic()
    {
        Heard();
        if (!Sender.Path.Address.Equals(Self.Path.Address))
        {
            _topicAddress = Sender.Path.Address;
        }

        Timers.Cancel(TopicMovedBeat.Instance);
    }

    private void Subscribe()
    {
        // Whatever this consumer held, the topic hands out again to the new subscription.
        _waiting.Clear();
        Heard();
        _subscribing = true;
        _subscribeSentAt = DateTime.UtcNow;
        _topics.Tell(new Subscribe(_topic, _group, _options.ConsumerId, _options.StartAt, _options.Credit));
    }

    private void StartHandlers()
    {
        while (_waiting.Count > 0 && _running.Count < _options.MaxConcurrency)
        {
            var delivered = _waiting.Dequeue();
            var seq = delivered.Message.SequenceNr;
            if (_running.ContainsKey(seq))
            {
                continue;
            }

            var leaseLength = delivered.LeaseExpiresAt - DateTimeOffset.UtcNow;
            _running[seq] = new Running(delivered.LeaseExpiresAt, leaseLength > TimeSpan.Zero ? leaseLength : TimeSpan.FromSeconds(30));
            var consumed = new ConsumedMessage(_topic, _group, delivered.Message, delivered.Attempt);
            if (_caller is not null)
            {
                _caller.TryWrite(new ReceivedMessage(consumed, Self));
                continue;
            }

            var handler = _handler!;
            var stopping = _stopping.Token;
            Task.Run(() => handler(consumed, stopping), stopping)
                .PipeTo(Self, success: () => new Handled(seq, null), failure: cause => new Handled(seq, cause));
        }
    }

    private void OnHandled(Handled handled)
    {
        _running.Remove(handled.SequenceNr);
        if (handled.Failure is null)
        {
            _acks.Add(handled.SequenceNr);
            if (_acks.Count >= Math.Max(1, _options.Credit / 2) || _options.AckBatchDelay == TimeSpan.Zero)
            {
                FlushAcksNow();
            }
            else if (!Timers.IsTimerActive(FlushAcks.Instance))
            {
                Timers.StartSingleTimer(FlushAcks.Instance, FlushAcks.Instance, _options.AckBatchDelay);
            }
        }
        else if (handled.Failure is RedeliverLaterException later)
        {
            _topics.Tell(new Nack(_topic, _group, [handled.SequenceNr], later.Delay ?? _options.RedeliveryDelay));
        }
        else
        {
            _log.Info("Handler failed on message {0} of topic {1}: {2}; it will be delivered again", handled.SequenceNr, _topic, handled.Failure.Message);
            _topics.Tell(new Nack(_topic, _group, [handled.SequenceNr], _options.RedeliveryDelay));
        }

        StartHandlers();
    }

    private void FlushAcksNow()
    {
        Timers.Cancel(FlushAcks.Instance);
        if (_acks.Count > 0)
        {
            _topics.Tell(new Ack(_topic, _group, [.. _acks]));
            _acks.Clear();
        }
    }

    /// <summary>A handler past half its lease gets the lease extended by its length again.</summary>
    private void ExtendLongLeases()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var (seq, running) in _running.Where(r => r.Value.ExpiresAt - now < r.Value.Length / 2).ToList())
        {
            _topics.Tell(new ExtendLease(_topic, _group, _options.ConsumerId, [seq], running.Length));
            _running[seq] = running with { ExpiresAt = now + running.Length };
        }
    }

    private sealed record Running(DateTimeOffset ExpiresAt, TimeSpan Length);

    /// <summary>A delivery done with: acked when there is no failure, nacked otherwise.</summary>
    internal sealed record Handled(long SequenceNr, Exception? Failure);

    private sealed class RetrySubscribe
    {
        public static readonly RetrySubscribe Instance = new();
    }

    private sealed class Beat
    {
        public static readonly Beat Instance = new();
    }

    private sealed class TopicMovedBeat
    {
        public static readonly TopicMovedBeat Instance = new();
    }

    private sealed class FlushAcks
    {
        public static readonly FlushAcks Instance = new();
    }

    private sealed class LeaveTimedOut
    {
        public static readonly LeaveTimedOut Instance = new();
    }
}

/// <summary>Asks a <see cref="ConsumerActor"/> to leave its group, confirmed by the topic, and stop (stopping it outright leaves without waiting).</summary>
public sealed class StopConsuming
{
    public static readonly StopConsuming Instance = new();

    private StopConsuming()
    {
    }
}
