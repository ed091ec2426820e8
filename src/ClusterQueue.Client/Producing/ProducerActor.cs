using Akka.Actor;
using Akka.Event;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client.Producing;

/// <summary>
/// Publishes to one topic for its callers: numbers every message (the topic deduplicates on the
/// producer id and number), batches the messages that wait while a request is in flight, and
/// sends a request again with the same numbers when its answer does not come in time (the topic
/// moved, a node died, the cluster is away), until the message's publish timeout.
/// </summary>
/// <remarks>
/// Memory stays bounded: callers go through <see cref="QueueProducer"/>, which lets at most
/// <see cref="ProducerOptions.Window"/> messages in at once and makes the others wait.
/// </remarks>
public sealed class ProducerActor : ReceiveActor, IWithTimers
{
    private readonly IActorRef _topics;
    private readonly string _topic;
    private readonly ProducerOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<Pending> _waiting = new();
    private readonly Dictionary<long, Request> _inFlight = [];

    /// <summary>Messages to send again after <see cref="ResendPause"/>: held here, not in the timer, so a stop fails them too.</summary>
    private readonly List<Pending> _resending = [];

    /// <summary>Outlives a restart of the actor, which keeps the producer id (see <see cref="Numbering"/>).</summary>
    private readonly Numbering _numbering;
    private long _waitingBytes;

    private ProducerActor(IActorRef topics, string topic, ProducerOptions options, Numbering numbering)
    {
        _topics = topics;
        _topic = topic;
        _options = options;
        _numbering = numbering;
        Receive<Send>(send =>
        {
            foreach (var message in send.Messages)
            {
                Wait(new Pending(_numbering.NextProducerSeq++, message, DateTime.UtcNow + _options.PublishTimeout));
            }

            SendWaiting();
        });
        Receive<Answered>(OnAnswered);
        Receive<Unanswered>(unanswered =>
        {
            if (_inFlight.Remove(unanswered.RequestId, out var request))
            {
                _log.Debug("Publish request {0} to {1} got no answer ({2}); sending it again", unanswered.RequestId, _topic, unanswered.Cause.Message);
                Resend(request.Messages);
            }
        });
        Receive<OvertakenCheck>(check =>
        {
            if (_inFlight.Remove(check.RequestId, out var request))
            {
                _log.Debug("Publish request {0} to {1} was overtaken by a later one; sending it again", check.RequestId, _topic);
                foreach (var pending in request.Messages)
                {
                    Wait(pending);
                }

                SendWaiting();
            }
        });
        Receive<ResendDue>(_ =>
        {
            foreach (var pending in _resending)
            {
                Wait(pending);
            }

            _resending.Clear();
            SendWaiting();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>How long a request may stay unanswered after a later one was answered before it counts as lost.</summary>
    private static readonly TimeSpan OvertakenGrace = TimeSpan.FromMilliseconds(200);

    /// <summary>How long messages wait before they are sent again, so a moving topic can settle.</summary>
    private static readonly TimeSpan ResendPause = TimeSpan.FromMilliseconds(200);

    public static Props Props(IActorRef topics, string topic, ProducerOptions options) =>
        Akka.Actor.Props.CreateBy(new Producer(topics, topic, options));

    /// <summary>
    /// A failure restarts the actor (its parent's default strategy). What it held is failed, as a
    /// stop fails it: the outcome of a message already sent is unknown.
    /// </summary>
    protected override void PreRestart(Exception reason, object message)
    {
        FailAll(new InvalidOperationException(
            $"the producer of topic '{_topic}' failed and restarted ({reason.Message}); the message may or may not have been stored", reason));
        base.PreRestart(reason, message);
    }

    protected override void PostStop() =>
        FailAll(new ObjectDisposedException($"the producer of topic '{_topic}' stopped; the message may or may not have been stored"));

    private void FailAll(Exception cause)
    {
        foreach (var pending in _waiting.Concat(_resending).Concat(_inFlight.Values.SelectMany(r => r.Messages)))
        {
            pending.Message.Fail(cause);
        }

        _waiting.Clear();
        _resending.Clear();
        _inFlight.Clear();
    }

    /// <summary>
    /// Batches what waits into requests: at once when none is in flight; while one is, only full
    /// batches go (up to the most in flight), and the rest waits for the next answer. A request
    /// costs the topic's node as much for one message as for a hundred, so at a steady rate the
    /// messages that arrive during a round trip travel together (one request, one delivery)
    /// instead of each in a request of its own.
    /// </summary>
    private void SendWaiting()
    {
        while (_waiting.Count > 0 && _inFlight.Count < _options.MaxRequestsInFlight && (_inFlight.Count == 0 || FullBatchWaits))
        {
            var batch = new List<Pending>();
            var bytes = 0;
            while (_waiting.Count > 0 && batch.Count < _options.MaxBatch)
            {
                var size = TopicLimits.SizeOf(_waiting.Peek().Outgoing);
                if (batch.Count > 0 && bytes + size > TopicLimits.MaxEnvelopeBytes)
                {
                    break;
                }

                batch.Add(_waiting.Dequeue());
                bytes += size;
                _waitingBytes -= size;
            }

            var live = batch.Where(p => !p.TimedOut(_topic)).ToList();
            if (live.Count == 0)
            {
                continue;
            }

            var requestId = _numbering.NextRequestId++;
            _inFlight[requestId] = new Request(live);
            var publish = new Publish(_topic, _options.ProducerId, [.. live.Select(p => p.Outgoing)]);
            _topics.Ask<object>(publish, _options.RequestTimeout)
                .PipeTo(Self, success: answer => new Answered(requestId, answer), failure: cause => new Unanswered(requestId, cause));
        }
    }

    private bool FullBatchWaits => _waiting.Count >= _options.MaxBatch || _waitingBytes >= TopicLimits.MaxEnvelopeBytes;

    private void Wait(Pending pending)
    {
        _waiting.Enqueue(pending);
        _waitingBytes += TopicLimits.SizeOf(pending.Outgoing);
    }

    private void OnAnswered(Answered answered)
    {
        // Removed only once handled: should handling fail, the restart fails its messages too.
        if (!_inFlight.TryGetValue(answered.RequestId, out var request))
        {
            return;
        }

        CheckOvertaken(answered.RequestId);

        switch (answered.Answer)
        {
            case PublishResult result:
                var bySeq = request.Messages.ToDictionary(p => p.ProducerSeq);
                foreach (var outcome in result.Outcomes)
                {
                    if (!bySeq.Remove(outcome.ProducerSeq, out var pending))
                    {
                        continue;
                    }

                    if (outcome.Confirmed)
                    {
                        pending.Message.Confirm(outcome.SequenceNr);
                    }
                    else if (outcome.Error == ErrorCode.JournalWriteFailed)
                    {
                        Resend([pending]);
                    }
                    else
                    {
                        pending.Message.Fail(new PublishRejectedException(_topic, outcome.Error, outcome.Reason ?? ""));
                    }
                }

                // A message the answer did not mention was not taken: send it again.
                Resend([.. bySeq.Values]);
                break;
            case TopicError { Code: ErrorCode.JournalWriteFailed }:
                Resend(request.Messages);
                break;
            case TopicError error:
                foreach (var pending in request.Messages)
                {
                    pending.Message.Fail(new PublishRejectedException(_topic, error.Code, error.Message));
                }

                break;
            default:
                _log.Warning("Topic {0} answered a publish with {1}; sending it again", _topic, answered.Answer.GetType().Name);
                Resend(request.Messages);
                break;
        }

        _inFlight.Remove(answered.RequestId);
        SendWaiting();
    }

    /// <summary>
    /// The topic answers requests in the order they reach it, so a request still unanswered a
    /// moment after a later one was answered never reached it: a shard region drops what it
    /// buffered for a shard handed off between nodes. It is sent again then, not after its request
    /// timeout: by that time the producer's later numbers would have moved the topic's
    /// deduplication window past it, and the topic would refuse it as too old although it never
    /// stored it. The moment (<see cref="OvertakenGrace"/>) lets an answer that merely arrived
    /// second (two asks complete on two threads) come in first; a resend of a request that did
    /// arrive is answered by the topic's deduplication with the numbers it gave.
    /// </summary>
    private void CheckOvertaken(long answeredRequestId)
    {
        foreach (var overtaken in _inFlight.Keys.Where(id => id < answeredRequestId))
        {
            var check = new OvertakenCheck(overtaken);
            if (!Timers.IsTimerActive(check))
            {
                Timers.StartSingleTimer(check, check, OvertakenGrace);
            }
        }
    }

    /// <summary>Sends messages again, with their numbers, after a short pause (<see cref="ResendPause"/>).</summary>
    private void Resend(IReadOnlyList<Pending> messages)
    {
        if (messages.Count > 0)
        {
            _resending.AddRange(messages);
            if (!Timers.IsTimerActive(ResendDue.Instance))
            {
                Timers.StartSingleTimer(ResendDue.Instance, ResendDue.Instance, ResendPause);
            }
        }

        SendWaiting();
    }

    /// <summary>Messages from callers; each completes with its topic sequence number, or an exception.</summary>
    public sealed record Send(IReadOnlyList<ProducerMessage> Messages);

    private sealed record Pending(long ProducerSeq, ProducerMessage Message, DateTime Deadline)
    {
        public OutgoingMessage Outgoing { get; } = new(ProducerSeq, Message.Payload, Message.Headers, Message.MessageId, Message.Ttl, Message.Delay);

        public bool TimedOut(string topic)
        {
            if (DateTime.UtcNow < Deadline)
            {
                return false;
            }

            Message.Fail(new TimeoutException(
                $"topic '{topic}' confirmed no publish of message {ProducerSeq} in time; it may or may not have been stored"));
            return true;
        }
    }

    private sealed record Request(IReadOnlyList<Pending> Messages);

    private sealed record Answered(long RequestId, object Answer);

    private sealed record Unanswered(long RequestId, Exception Cause);

    private sealed class ResendDue
    {
        public static readonly ResendDue Instance = new();
    }

    private sealed record OvertakenCheck(long RequestId);

    /// <summary>
    /// The producer's next message number and request id. The topic deduplicates on the producer
    /// id and the message number, and a restarted actor keeps the id: numbering from 1 again, its
    /// new messages would be taken for copies of the ones it had sent and answered with their
    /// sequence numbers, never stored. So the numbering lives with the props, not the actor.
    /// </summary>
    private sealed class Numbering
    {
        public long NextProducerSeq = 1;
        public long NextRequestId = 1;
    }

    /// <summary>Makes each incarnation of the actor with the same <see cref="Numbering"/>.</summary>
    private sealed class Producer(IActorRef topics, string topic, ProducerOptions options) : IIndirectActorProducer
    {
        private readonly Numbering _numbering = new();

        public Type ActorType => typeof(ProducerActor);

        public ActorBase Produce() => new ProducerActor(topics, topic, options, _numbering);

        public void Release(ActorBase actor)
        {
        }
    }
}

/// <summary>A message a caller publishes, and where its outcome goes.</summary>
/// <remarks>
/// It is published once: it carries its own outcome (<see cref="Completion"/>) and the window
/// permit taken for it, so publishing the same object again is refused with an <see cref="ArgumentException"/>.
/// </remarks>
public sealed record ProducerMessage(
    byte[] Payload,
    IReadOnlyDictionary<string, string>? Headers,
    string? MessageId,
    TimeSpan? Ttl,
    TimeSpan? Delay)
{
    /// <summary>1 once a publish took this message; it stays taken unless that publish gives it back unsent.</summary>
    private int _taken;

    /// <summary>The window permit a <see cref="QueueProducer"/> took for this message; given back once, as it settles.</summary>
    private SemaphoreSlim? _window;

    public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Marks the message as published; false if a publish already took it.</summary>
    internal bool TryTake() => Interlocked.Exchange(ref _taken, 1) == 0;

    /// <summary>Gives the message back to its caller after a publish that did not send it (cancelled, refused).</summary>
    internal void GiveBack() => Volatile.Write(ref _taken, 0);

    /// <summary>The producer gives the permit back when the message settles (<see cref="Confirm"/>, <see cref="Fail"/>).</summary>
    internal void HoldWindow(SemaphoreSlim window) => _window = window;

    /// <summary>Completes the message with its sequence number; its window permit is back before anyone sees the outcome.</summary>
    internal void Confirm(long sequenceNr)
    {
        Interlocked.Exchange(ref _window, null)?.Release();
        Completion.TrySetResult(sequenceNr);
    }

    /// <summary>Fails the message; its window permit is back before anyone sees the outcome.</summary>
    internal void Fail(Exception cause)
    {
        Interlocked.Exchange(ref _window, null)?.Release();
        Completion.TrySetException(cause);
    }
}
