using System.Globalization;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Tests.Topics;

/// <summary>The invariant a run of <see cref="TopicSimulation"/> checks.</summary>
internal enum Invariant
{
    ConfirmedMessagesStay = 0,
    OneLeasePerMessage = 1,
    CreditRespected = 2,
    FirstDeliveriesInOrder = 3,
    OnlyCommittedDelivered = 4,
    RecoveryMatches = 5,
    DoneMessagesLeave = 6,
}

/// <summary>
/// Drives a <see cref="TopicState"/> as its actor would (handle, commit, dispatch, tick) through a
/// <see cref="TopicScenario"/>, keeping its own account of what was confirmed and delivered, and
/// checks one invariant after every output and every step.
/// </summary>
internal sealed class TopicSimulation
{
    private const string Topic = "orders";

    /// <summary>The consumer no heartbeat keeps alive but its own steps: it goes silent and is dropped.</summary>
    private const string Silent = "c2";

    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Invariant _invariant;
    private readonly TopicSettings _settings;
    /// <summary>A tiny memory window, so that runs read messages back from the journal all the time.</summary>
    private const int MemoryWindow = 2;

    private readonly TopicState _state = new(Topic, MemoryWindow);
    private readonly TopicState _replica = new(Topic, MemoryWindow);

    /// <summary>Every message appended, as the journal keeps it, for reading back.</summary>
    private readonly Dictionary<long, StoredMessage> _journal = [];

    private int _readBackDepth;
    private readonly List<long>[] _producerSeqs = [[], []];
    private readonly long[] _nextProducerSeq = [1, 1];

    /// <summary>Every confirmed (stored) message: when it expires, whether it was delayed.</summary>
    private readonly Dictionary<long, (DateTimeOffset? ExpiresAt, bool Delayed)> _confirmed = [];

    /// <summary>Per group, the confirmed messages it has not finished by ack, dead-letter, expiry or purge.</summary>
    private readonly Dictionary<string, SortedSet<long>> _expected = new(StringComparer.Ordinal);

    /// <summary>Confirmed messages the topic holds for no group: published while none existed, or left by the last one.</summary>
    private readonly SortedSet<long> _orphans = [];

    /// <summary>Leases by the deliveries seen, until an ack, release, dead-letter, expiry, purge or group deletion ends them.</summary>
    private readonly Dictionary<(string Group, long Seq), (string Consumer, DateTimeOffset ExpiresAt)> _leases = [];

    /// <summary>
    /// The same leases, but a release ends one only for a cause the run knows of: a nack naming the
    /// message, an unsubscribe of its consumer, or in a tick its expiry or its consumer's silence.
    /// </summary>
    private readonly Dictionary<(string Group, long Seq), (string Consumer, DateTimeOffset ExpiresAt)> _runningLeases = [];

    private readonly Dictionary<(string Group, string Consumer), DateTimeOffset> _lastSeen = [];

    /// <summary>Consumers the current tick dropped after a silence of the consumer timeout.</summary>
    private readonly HashSet<(string Group, string Consumer)> _dropped = [];

    private readonly Dictionary<(string Group, long Seq), int> _deliveries = [];
    private readonly Dictionary<(string Group, string Consumer), SortedSet<long>> _everDelivered = [];
    private readonly Dictionary<(string Group, string Consumer), int> _credits = [];

    /// <summary>Consumers that subscribed again with less credit than the leases they held.</summary>
    private readonly HashSet<(string Group, string Consumer)> _overCredit = [];

    private readonly Dictionary<string, long> _lastFirstDelivery = new(StringComparer.Ordinal);

    /// <summary>Messages delivered to each group at least once: a delivery of one not here is a first delivery, whatever its attempt says.</summary>
    private readonly HashSet<(string Group, long Seq)> _deliveredToGroup = [];

    private DateTimeOffset _now = Start;
    private long _committedThrough;

    /// <summary>The command being handled; null in a tick or a dispatch.</summary>
    private ITopicCommand? _command;
    private int _stepIndex = -1;
    private TopicStep? _step;

    private TopicSimulation(TopicSettings settings, Invariant invariant)
    {
        _settings = settings;
        _invariant = invariant;
    }

    public static void Run(TopicScenario scenario, Invariant invariant)
    {
        var simulation = new TopicSimulation(scenario.Settings, invariant);
        simulation.Handle(new ConfigureTopic(Topic, scenario.Settings));
        foreach (var step in scenario.Steps)
        {
            simulation._stepIndex++;
            simulation._step = step;
            simulation.Perform(step);
            simulation.CheckState();
        }
    }

    private static string GroupName(int group) => $"g{group}";

    private static string ConsumerName(int consumer) => $"c{consumer}";

    private static string At(DateTimeOffset time) => $"{(time - Start).TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";

    private void Require(Invariant invariant, bool holds, Func<string> problem)
    {
        if (invariant == _invariant && !holds)
        {
            Assert.Fail($"step {_stepIndex} ({_step}) at {At(_now)}: {problem()}");
        }
    }

    private void Perform(TopicStep step)
    {
        switch (step)
        {
            case PublishStep publish:
                Publish(publish);
                break;
            case SubscribeStep subscribe:
                Subscribe(subscribe);
                break;
            case AckStep ack:
                var acker = Resolve(ack.Group, ack.Consumer);
                var acked = Choose(acker, ack.Target, ack.Pick);
                Handle(ack.UpTo ? new Ack(Topic, acker.Group, [], acked) : new Ack(Topic, acker.Group, [acked]));
                break;
            case NackStep nack:
                var nacker = Resolve(nack.Group, nack.Consumer);
                Handle(new Nack(Topic, nacker.Group, [Choose(nacker, nack.Target, nack.Pick)],
                    nack.DelaySeconds is { } delay ? TimeSpan.FromSeconds(delay) : null));
                break;
            case ExtendStep extend:
                var extender = Resolve(extend.Group, extend.Consumer);
                Handle(new ExtendLease(Topic, extender.Group, extender.Consumer,
                    [Choose(extender, extend.Target, extend.Pick)], TimeSpan.FromSeconds(extend.BySeconds)));
                break;
            case UnsubscribeStep unsubscribe:
                Handle(new Unsubscribe(Topic, GroupName(unsubscribe.Group), ConsumerName(unsubscribe.Consumer)));
                break;
            case HeartbeatStep heartbeat:
                Handle(new Heartbeat(Topic, GroupName(heartbeat.Group), ConsumerName(heartbeat.Consumer)));
                break;
            case AdvanceStep advance:
                foreach (var (group, consumer) in _credits.Keys.Where(k => k.Consumer != Silent).ToList())
                {
                    Handle(new Heartbeat(Topic, group, consumer));
                }

                _now += TimeSpan.FromSeconds(advance.Seconds);
                _command = null;
                _dropped.Clear();
                Absorb(_state.Tick(_now));
                break;
            case CommitStep:
                Commit();
                break;
            case PurgeStep:
                Handle(new Purge(Topic));
                break;
            case DeleteGroupStep deleteGroup:
                Handle(new DeleteGroup(Topic, GroupName(deleteGroup.Group)));
                break;
            default:
                throw new ArgumentException($"no such step: {step}", nameof(step));
        }
    }

    private void Handle(ITopicCommand command) => Absorb(Send(command));

    private TopicOutput Send(ITopicCommand command)
    {
        _command = command;
        return _state.Handle(command, _now);
    }

    /// <summary>What the actor does once the journal confirmed the writes: everything so far may be delivered.</summary>
    private void Commit()
    {
        _committedThrough = _state.NextSeq - 1;
        _state.MarkDurable(_committedThrough);
        _command = null;
        Absorb(_state.Dispatch(_now));
    }

    private void Publish(PublishStep step)
    {
        var sent = _producerSeqs[step.Producer];
        var messages = step.Messages.Select(m =>
        {
            long producerSeq;
            if (m.RetryOf is { } retry && sent.Count > 0)
            {
                producerSeq = sent[retry % sent.Count];
            }
            else
            {
                producerSeq = _nextProducerSeq[step.Producer]++;
                sent.Add(producerSeq);
            }

            return new OutgoingMessage(
                producerSeq,
                [1],
                MessageId: m.Id is { } id ? $"m{id}" : null,
                Ttl: m.TtlSeconds is { } ttl ? TimeSpan.FromSeconds(ttl) : null,
                Delay: m.DelaySeconds is { } delay ? TimeSpan.FromSeconds(delay) : null);
        }).ToList();

        var output = Send(new Publish(Topic, $"p{step.Producer}", messages));
        var outcomes = Assert.IsType<PublishResult>(output.Reply).Outcomes;
        foreach (var (message, outcome) in messages.Zip(outcomes))
        {
            if (outcome.Confirmed && !outcome.Duplicate)
            {
                var ttl = message.Ttl ?? _settings.DefaultTtl;
                _confirmed[outcome.SequenceNr] = (ttl is { } t ? _now + t : null, message.Delay > TimeSpan.Zero);
            }
        }

        var stored = outcomes.Where(o => o.Confirmed && !o.Duplicate).Select(o => o.SequenceNr).ToList();
        var appended = output.Events.OfType<MessagesAppended>().SelectMany(e => e.Messages).Select(m => m.SequenceNr).ToList();
        Require(Invariant.ConfirmedMessagesStay, stored.SequenceEqual(appended),
            () => $"confirmed [{string.Join(", ", stored)}] but appended [{string.Join(", ", appended)}]");
        Absorb(output);
        if (step.Commit)
        {
            Commit();
        }
    }

    private void Subscribe(SubscribeStep step)
    {
        var key = (GroupName(step.Group), ConsumerName(step.Consumer));
        var output = Send(new Subscribe(Topic, key.Item1, key.Item2, step.StartAt, step.Credit));
        if (output.Reply is Subscribed)
        {
            if (_credits.ContainsKey(key) && Outstanding(key) > step.Credit)
            {
                _overCredit.Add(key);
            }

            _credits[key] = step.Credit;
        }

        Absorb(output);
    }

    /// <summary>
    /// The consumer an ack, nack or extension comes from: the one named if subscribed, else one that
    /// is (so that few of them go to groups that do not exist), else the one named.
    /// </summary>
    private (string Group, string Consumer) Resolve(int group, int consumer)
    {
        var named = (GroupName(group), ConsumerName(consumer));
        if (_credits.ContainsKey(named) || _credits.Count == 0)
        {
            return named;
        }

        var subscribed = _credits.Keys.Order().ToList();
        return subscribed[((group * 3) + consumer) % subscribed.Count];
    }

    /// <summary>The sequence number an ack, nack or extension names.</summary>
    private long Choose((string Group, string Consumer) consumer, Target target, int pick)
    {
        var candidates = target switch
        {
            Target.Held => _leases.Where(l => l.Key.Group == consumer.Group && l.Value.Consumer == consumer.Consumer).Select(l => l.Key.Seq).Order().ToList(),
            Target.EverDelivered => [.. _everDelivered.GetValueOrDefault(consumer) ?? []],
            _ => [],
        };
        return candidates.Count > 0 ? candidates[pick % candidates.Count] : 1 + (pick % _state.NextSeq);
    }

    private int Outstanding((string Group, string Consumer) consumer) =>
        _leases.Count(l => l.Key.Group == consumer.Group && l.Value.Consumer == consumer.Consumer);

    private void Absorb(TopicOutput output)
    {
        foreach (var topicEvent in output.Events)
        {
            Observe(topicEvent);
        }

        if (_invariant == Invariant.RecoveryMatches)
        {
            foreach (var durable in output.DurableEvents)
            {
                _replica.Apply(durable);
            }
        }

        ObserveDeliveries(output.Deliveries);
        ReadBack(output);
    }

    /// <summary>What the actor does when the topic asks for messages not in memory: read them back, dispatch again.</summary>
    private void ReadBack(TopicOutput output)
    {
        if (output.ReadBackFrom is not { } from || _readBackDepth > 10)
        {
            return;
        }

        _readBackDepth++;
        _state.PageIn(_journal.Values.Where(m => m.SequenceNr >= from && m.SequenceNr < from + MemoryWindow).ToList());
        var command = _command;
        _command = null;
        Absorb(_state.Dispatch(_now));
        _command = command;
        _readBackDepth--;
    }

    private void Observe(ITopicEvent topicEvent)
    {
        switch (topicEvent)
        {
            case MessagesAppended e:
                foreach (var message in e.Messages)
                {
                    _journal[message.SequenceNr] = message;
                }

                foreach (var seq in e.Messages.Select(m => m.SequenceNr))
                {
                    if (_expected.Count == 0)
                    {
                        _orphans.Add(seq);
                    }

                    foreach (var expected in _expected.Values)
                    {
                        expected.Add(seq);
                    }
                }

                break;
            case GroupCreated e:
                var earliest = _command is Subscribe { StartAt: StartPosition.Earliest };
                _expected[e.Group] = earliest ? [.. Held()] : [];

                // Messages that waited for a first group are its own if it starts earliest, and
                // done for everyone if it starts new.
                _orphans.Clear();

                _lastFirstDelivery.Remove(e.Group);
                _deliveredToGroup.RemoveWhere(d => d.Group == e.Group);
                break;
            case GroupDeletedEvent e:
                var left = _expected[e.Group];
                _expected.Remove(e.Group);
                if (_expected.Count == 0)
                {
                    _orphans.UnionWith(left);
                }
                else
                {
                    _orphans.Clear();
                }

                ForgetGroup(e.Group);
                break;
            case MessagesAcked e:
                Finish(e.Group, e.SequenceNrs);
                break;
            case MessagesExpired e:
                foreach (var seq in e.SequenceNrs)
                {
                    RequireExpired(seq);
                }

                Finish(e.Group, e.SequenceNrs);
                break;
            case MessagesDeadLettered e:
                foreach (var letter in e.Letters)
                {
                    ObserveDeadLetter(letter);
                }

                break;
            case MessagesReleased e:
                foreach (var seq in e.SequenceNrs)
                {
                    _leases.Remove((e.Group, seq));
                    if (_runningLeases.TryGetValue((e.Group, seq), out var released) && MayRelease(e.Group, seq, released))
                    {
                        _runningLeases.Remove((e.Group, seq));
                    }
                }

                break;
            case LeasesExtended e:
                foreach (var seq in e.SequenceNrs)
                {
                    if (_leases.TryGetValue((e.Group, seq), out var lease))
                    {
                        _leases[(e.Group, seq)] = lease with { ExpiresAt = e.LeaseExpiresAt };
                    }

                    if (_runningLeases.TryGetValue((e.Group, seq), out var running))
                    {
                        _runningLeases[(e.Group, seq)] = running with { ExpiresAt = e.LeaseExpiresAt };
                    }
                }

                break;
            case MessagesPurged:
                foreach (var expected in _expected.Values)
                {
                    expected.Clear();
                }

                _orphans.Clear();
                _leases.Clear();
                _runningLeases.Clear();
                break;
            case ConsumerJoined e:
                _lastSeen[(e.Group, e.ConsumerId)] = e.At;
                break;
            case ConsumerSeen e:
                _lastSeen[(e.Group, e.ConsumerId)] = e.At;
                break;
            case ConsumerLeft e:
                var gone = (e.Group, e.ConsumerId);
                if (_command is null && _lastSeen[gone] + _settings.ConsumerTimeout <= _now)
                {
                    _dropped.Add(gone);
                }

                _credits.Remove(gone);
                _overCredit.Remove(gone);
                _lastSeen.Remove(gone);
                break;
        }
    }

    /// <summary>
    /// Whether a release of a lease has a cause: a nack naming the message, an unsubscribe of its
    /// consumer, or in a tick its expiry or its consumer's silence.
    /// </summary>
    private bool MayRelease(string group, long seq, (string Consumer, DateTimeOffset ExpiresAt) lease) => _command switch
    {
        Nack nack => nack.Group == group && nack.SequenceNrs.Contains(seq),
        Unsubscribe unsubscribe => unsubscribe.Group == group && unsubscribe.ConsumerId == lease.Consumer,
        Subscribe again => again.Group == group && again.ConsumerId == lease.Consumer,
        null => lease.ExpiresAt <= _now || _dropped.Contains((group, lease.Consumer)),
        _ => false,
    };

    private void ObserveDeadLetter(DeadLetter letter)
    {
        var seq = letter.SequenceNr;
        switch (letter.Reason)
        {
            case DeadLetterReason.Expired:
                RequireExpired(seq);
                break;
            case DeadLetterReason.MaxDeliveries:
                var deliveries = _deliveries.GetValueOrDefault((letter.Group, seq));
                Require(Invariant.ConfirmedMessagesStay, deliveries >= _settings.MaxDeliveries,
                    () => $"{seq} dead-lettered from {letter.Group} for max-deliveries after {deliveries} deliveries; max is {_settings.MaxDeliveries}");
                break;
            default:
                Require(Invariant.ConfirmedMessagesStay, _settings.Overflow == OverflowPolicy.DeadLetterOldest && _step is PublishStep,
                    () => $"{seq} dead-lettered for overflow from {letter.Group}, not by a publish to a topic that dead-letters the oldest");
                break;
        }

        if (letter.Group.Length == 0)
        {
            var holders = _expected.Where(g => g.Value.Contains(seq)).Select(g => g.Key).ToList();
            Require(Invariant.ConfirmedMessagesStay, holders.Count == 0,
                () => $"{seq} dead-lettered for no group while {string.Join(", ", holders)} should still get it");
            _orphans.Remove(seq);
        }
        else
        {
            Finish(letter.Group, [seq]);
        }
    }

    private void RequireExpired(long seq)
    {
        var expiresAt = _confirmed[seq].ExpiresAt;
        Require(Invariant.ConfirmedMessagesStay, expiresAt <= _now,
            () => $"{seq} expired but its TTL runs until {(expiresAt is { } at ? At(at) : "never")}");
    }

    private void Finish(string group, IEnumerable<long> seqs)
    {
        foreach (var seq in seqs)
        {
            _expected[group].Remove(seq);
            _leases.Remove((group, seq));
            _runningLeases.Remove((group, seq));
        }
    }

    private void ForgetGroup(string group)
    {
        foreach (var key in _leases.Keys.Where(k => k.Group == group).ToList())
        {
            _leases.Remove(key);
        }

        foreach (var key in _runningLeases.Keys.Where(k => k.Group == group).ToList())
        {
            _runningLeases.Remove(key);
        }

        foreach (var key in _deliveries.Keys.Where(k => k.Group == group).ToList())
        {
            _deliveries.Remove(key);
        }

        foreach (var key in _credits.Keys.Where(k => k.Group == group).ToList())
        {
            _credits.Remove(key);
            _overCredit.Remove(key);
            _everDelivered.Remove(key);
            _lastSeen.Remove(key);
        }
    }

    private void ObserveDeliveries(List<Delivery> deliveries)
    {
        foreach (var group in deliveries.GroupBy(d => d.Group))
        {
            var firsts = new List<long>();
            foreach (var delivery in group)
            {
                var consumer = (delivery.Group, delivery.ConsumerId);
                foreach (var message in delivery.Messages)
                {
                    ObserveDelivered(delivery, message);
                    if (_deliveredToGroup.Add((delivery.Group, message.Message.SequenceNr)) && !_confirmed[message.Message.SequenceNr].Delayed)
                    {
                        firsts.Add(message.Message.SequenceNr);
                    }
                }

                var credit = _credits.GetValueOrDefault(consumer);
                var outstanding = Outstanding(consumer);
                Require(Invariant.CreditRespected, outstanding <= credit,
                    () => $"{delivery.ConsumerId} of {delivery.Group} with credit {credit} was delivered "
                        + $"[{string.Join(", ", delivery.Messages.Select(m => m.Message.SequenceNr))}] and now holds {outstanding} leases");
            }

            var last = _lastFirstDelivery.GetValueOrDefault(group.Key);
            Require(Invariant.FirstDeliveriesInOrder, firsts.Count == 0 || firsts.Min() > last,
                () => $"{group.Key} first-delivered [{string.Join(", ", firsts)}] after first-delivering {last}");
            if (firsts.Count > 0)
            {
                _lastFirstDelivery[group.Key] = Math.Max(last, firsts.Max());
            }
        }
    }

    private void ObserveDelivered(Delivery delivery, DeliveredMessage message)
    {
        var seq = message.Message.SequenceNr;
        var key = (delivery.Group, seq);
        Require(Invariant.OnlyCommittedDelivered, seq <= _committedThrough && seq <= _state.DurableThrough,
            () => $"{seq} delivered to {delivery.ConsumerId} of {delivery.Group}; committed only through {_committedThrough} (durable through {_state.DurableThrough})");
        if (_runningLeases.TryGetValue(key, out var earlier))
        {
            Require(Invariant.OneLeasePerMessage, earlier.ExpiresAt <= _now,
                () => $"{seq} delivered to {delivery.ConsumerId} of {delivery.Group} while {earlier.Consumer}'s lease runs until {At(earlier.ExpiresAt)}, "
                    + "not acked, nacked or given back");
        }

        _leases[key] = (delivery.ConsumerId, message.LeaseExpiresAt);
        _runningLeases[key] = (delivery.ConsumerId, message.LeaseExpiresAt);
        _deliveries[key] = _deliveries.GetValueOrDefault(key) + 1;
        var consumer = (delivery.Group, delivery.ConsumerId);
        if (!_everDelivered.TryGetValue(consumer, out var delivered))
        {
            _everDelivered[consumer] = delivered = [];
        }

        delivered.Add(seq);
    }

    private void CheckState()
    {
        switch (_invariant)
        {
            case Invariant.ConfirmedMessagesStay:
                CheckConfirmedMessagesStay();
                break;
            case Invariant.CreditRespected:
                foreach (var consumer in _state.Consumers)
                {
                    var key = (consumer.Group, consumer.Id);
                    if (consumer.Held.Count <= consumer.Credit)
                    {
                        _overCredit.Remove(key);
                    }

                    Require(Invariant.CreditRespected, consumer.Held.Count <= consumer.Credit || _overCredit.Contains(key),
                        () => $"{consumer.Id} of {consumer.Group} holds [{string.Join(", ", consumer.Held)}] with credit {consumer.Credit}");
                }

                break;
            case Invariant.RecoveryMatches:
                var live = Describe(_state);
                var recovered = Describe(_replica);
                Require(Invariant.RecoveryMatches, live == recovered,
                    () => $"replaying the durable events gives{Environment.NewLine}{recovered}{Environment.NewLine}but the live state is{Environment.NewLine}{live}");
                var payloads = _journal.Values.ToDictionary(m => m.SequenceNr);
                var fromSnapshot = Describe(TopicState.FromSnapshot(_state.Name, _state.ToSnapshot(), payloads));
                Require(Invariant.RecoveryMatches, live == fromSnapshot,
                    () => $"restoring a snapshot gives{Environment.NewLine}{fromSnapshot}{Environment.NewLine}but the live state is{Environment.NewLine}{live}");
                break;
            case Invariant.DoneMessagesLeave:
                var held = Held();
                var done = _state.HeldSequenceNrs.Where(s => !held.Contains(s)).ToList();
                Require(Invariant.DoneMessagesLeave, done.Count == 0,
                    () => $"the topic still holds [{string.Join(", ", done)}], which every group is done with");
                break;
        }
    }

    /// <summary>The confirmed messages some group, or a group to come, still needs.</summary>
    private SortedSet<long> Held() => [.. _orphans, .. _expected.Values.SelectMany(s => s)];

    private void CheckConfirmedMessagesStay()
    {
        var groups = _state.Groups.Keys.ToList();
        Require(Invariant.ConfirmedMessagesStay, groups.SequenceEqual(_expected.Keys.Order(StringComparer.Ordinal)),
            () => $"the topic has groups [{string.Join(", ", groups)}], expected [{string.Join(", ", _expected.Keys)}]");
        foreach (var (name, expected) in _expected)
        {
            var group = _state.Groups[name];
            var gone = expected.Where(s => !_state.IsHeld(s) || !group.IsUnfinished(s)).ToList();
            Require(Invariant.ConfirmedMessagesStay, gone.Count == 0,
                () => $"[{string.Join(", ", gone)}] left {name} without an ack, dead-letter, expiry, purge or deletion of the group");
        }

        var dropped = _orphans.Where(s => !_state.IsHeld(s)).ToList();
        Require(Invariant.ConfirmedMessagesStay, dropped.Count == 0,
            () => $"[{string.Join(", ", dropped)}], held for groups to come, left the topic without a dead-letter or purge");
    }

    /// <summary>The state a topic recovers from its journal, in words.</summary>
    private static string Describe(TopicState state) =>
        $"pending {state.Pending}, next {state.NextSeq}, messages [{string.Join(", ", state.HeldSequenceNrs)}], "
        + $"outbox [{string.Join(", ", state.Outbox.Keys)}], next dead letter {state.NextDeadLetterId}"
        + string.Concat(state.Groups.Values.Select(g =>
            $"{Environment.NewLine}  {g.Name}: first {g.FirstSeq}, next {g.NextSeq}, ahead [{string.Join(", ", g.Ahead.Order())}], "
            + $"leases [{string.Join(", ", g.Leases.OrderBy(l => l.Key).Select(l => $"{l.Key}:{l.Value.ConsumerId}@{At(l.Value.ExpiresAt)}"))}], "
            + $"attempts [{string.Join(", ", g.Attempts.OrderBy(a => a.Key).Select(a => $"{a.Key}:{a.Value}"))}], "
            + $"ready [{string.Join(", ", g.Ready)}], "
            + $"waiting [{string.Join(", ", g.Waiting.OrderBy(w => w.Key).Select(w => $"{w.Key}@{At(w.Value)}"))}], "
            + $"dead-lettered {g.DeadLettered}"));
}
