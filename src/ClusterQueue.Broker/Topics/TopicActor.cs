using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using ClusterQueue.Broker.Metrics;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Topics;

/// <summary>
/// A topic: a sharded, persistent entity (entity id = topic name) whose journal is its log. A thin
/// shell around <see cref="TopicState"/>: it persists the events the state decides, replies once
/// they are committed, sends deliveries, forwards dead letters and runs the timers.
/// </summary>
/// <remarks>
/// Group commit: commands are decided and applied at once; while one journal write is in flight,
/// the events of every command that arrives meanwhile queue up and go out together in the next
/// write (see <see cref="Flush"/>). A reply waits for the write holding its events. Events nobody
/// waits for (leases of deliveries already sent) wait briefly to join such a write (see
/// <see cref="BackgroundWriteDelay"/>).
/// <para>
/// Snapshots: every so many events the state is captured at a write boundary, without payloads,
/// and saved once that write is committed; then the journal is deleted up to the append of the
/// oldest message still needed, so storage follows what is pending. A topic recovering from a
/// snapshot reads the payloads it needs back from its journal (the shard's query plugin) before
/// it serves anything.
/// </para>
/// </remarks>
public sealed class TopicActor : ReceivePersistentActor, IWithTimers
{
    public const string PersistenceIdPrefix = "topic-";

    /// <summary>Producer id under which a topic forwards its dead letters to its dead-letter topic.</summary>
    public const string DeadLetterProducerSuffix = "#dead-letters";

    /// <summary>Producer id under which a dead-letter topic sends replayed messages back.</summary>
    public const string ReplayProducerSuffix = "#replay";

    private static readonly TimeSpan DeadLetterRetryInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReadBackRetryInterval = TimeSpan.FromSeconds(5);

    /// <summary>About how many messages read back from the journal are paged in at once (a consumer's default credit is 100).</summary>
    private const long ReadBackChunk = 1_000;

    /// <summary>How long a read-back chunk waits to fill before it is paged in anyway.</summary>
    private static readonly TimeSpan ReadBackChunkWait = TimeSpan.FromMilliseconds(20);

    private static readonly TimeSpan MinimumTick = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How long events nobody waits for (the leases of deliveries already sent, releases, expiries)
    /// wait for a write someone does wait for, before they are written on their own. At a steady
    /// publish rate they join the next publish's write instead of taking a write (and an fsync) of
    /// their own, which the next publish would queue behind. A node dying meanwhile loses only
    /// that a delivery was made: the message is delivered again, as it would be had the node died
    /// just before the lease's own write.
    /// </summary>
    private static readonly TimeSpan BackgroundWriteDelay = TimeSpan.FromMilliseconds(5);

    /// <summary>How stale the gauges a scrape reads may be.</summary>
    private static readonly TimeSpan MetricsReadingInterval = TimeSpan.FromSeconds(1);

    /// <summary>A topic holding nothing and serving no one stops after this long, and starts again on its next message.</summary>
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(2);

    private readonly TimeProvider _clock;
    private readonly string _regionName;
    private readonly string _queryPluginId;
    private readonly int _snapshotEvery;
    private readonly TimeSpan _takeoverFence;
    private readonly AppendPositions _appends = new();
    private readonly Dictionary<(string Group, string Consumer), IActorRef> _consumers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>Since the actor was created: how long recovery took.</summary>
    private readonly System.Diagnostics.Stopwatch _started = System.Diagnostics.Stopwatch.StartNew();
    private readonly BrokerMetrics _metrics = BrokerMetrics.Get(Context.System);
    private readonly RateMeter _publishRate = new();
    private readonly RateMeter _deliverRate = new();
    private readonly List<PendingOutput> _pending = [];
    private readonly List<PendingOutput> _inFlight = [];
    private readonly bool _groupCommit;
    private int _writesInFlight;

    /// <summary>
    /// Snapshot saves and deletions, run one at a time, beside the journal writes: on SQLite they
    /// all go through one connection to the shard file (<see cref="SqliteShardWriter"/>), so they
    /// wait only for each other's statement; on PostgreSQL rows do not lock each other. Holding
    /// writes for each save stalled the topic's publishes for 5-15 ms every two seconds at 5,000
    /// msg/s, and for each journal deletion, then through the plugin's own connection, as long
    /// (README, performance).
    /// </summary>
    private readonly Queue<Action> _housekeeping = new();
    private bool _housekeepingRunning;
    private bool _writeFailed;
    private TopicState _state;
    private long _eventsSinceSnapshot;
    private long _messagesSinceSnapshot;
    private long _deletedThrough;
    private DeletionFence _deletionFence = DeletionFence.BeforeRecovery;
    private bool _readingBack;
    private long? _readBackWanted;
    private bool _readBackFoundFirst;
    private DateTimeOffset _readBackPausedUntil;
    private IMaterializer? _materializer;

    /// <summary>The snapshot captured at the boundary of the write in flight, or being saved.</summary>
    private TopicSnapshot? _snapshotSaving;

    /// <summary>Set while recovering from a snapshot, until the payloads it needs are read back.</summary>
    private SnapshotRestore? _restore;

    public TopicActor(string topic, int shard, string regionName, TimeProvider clock, TopicStorage storage)
    {
        _groupCommit = storage.GroupCommit;
        _state = new TopicState(topic, storage.MemoryWindow);
        _clock = clock;
        _regionName = regionName;
        _snapshotEvery = storage.SnapshotEvery;
        _takeoverFence = storage.TakeoverFence;
        _queryPluginId = TopicStorage.QueryPluginId(shard);
        PersistenceId = PersistenceIdPrefix + topic;
        JournalPluginId = TopicStorage.JournalPluginId(shard);
        SnapshotPluginId = TopicStorage.SnapshotPluginId(shard);

        Recover<SnapshotOffer>(offer => _restore = new SnapshotRestore((TopicSnapshot)offer.Snapshot, offer.Metadata.SequenceNr));
        Recover<IDurableTopicEvent>(OnReplayed);
        Recover<RecoveryCompleted>(_ =>
        {
            if (_restore is null)
            {
                OnRecovered();
            }
            else
            {
                ReadBackPayloads(_restore);
            }
        });
        Command<PayloadsReadBack>(OnPayloadsReadBack);
        Command<MessagesReadBack>(OnReadBack);
        Command<ReadBackDone>(OnReadBackDone);
        Command<ReadBackFailed>(failed =>
        {
            _readingBack = false;
            PauseReadBack($"reading from message {failed.From} failed: {failed.Cause.Message}");
        });
        Command<ReadBackRetry>(_ => Process(_state.Dispatch(Now), ActorRefs.NoSender, null));
        Command<PayloadReadBackFailed>(failed =>
        {
            _log.Error(failed.Cause, "Topic {0} could not read its payloads back from the journal; stopping", _state.Name);
            Context.Stop(Self);
        });
        Command<object>(_ => _restore is not null, _ => Stash.Stash());
        Command<SaveSnapshotSuccess>(OnSnapshotSaved);
        Command<SaveSnapshotFailure>(failed =>
        {
            HousekeepingDone();
            _snapshotSaving = null;
            _log.Warning("Topic {0} could not save a snapshot at {1}; its journal keeps growing until one is saved: {2}", _state.Name, failed.Metadata.SequenceNr, failed.Cause.Message);
        });
        Command<DeleteMessagesSuccess>(_ => HousekeepingDone());
        Command<DeleteMessagesFailure>(failed => HousekeepingDone(() => _log.Warning("Topic {0} could not delete journal events up to {1}: {2}", _state.Name, failed.ToSequenceNr, failed.Cause.Message)));
        Command<DeleteSnapshotsSuccess>(_ => HousekeepingDone());
        Command<DeleteSnapshotsFailure>(failed => HousekeepingDone(() => _log.Warning("Topic {0} could not delete old snapshots: {1}", _state.Name, failed.Cause.Message)));
        Command<ITopicCommand>(command =>
        {
            FollowConsumer(command, Sender);
            Process(_state.Handle(command, Now), Sender, command);
        });
        Command<TopicTick>(_ => Process(_state.Tick(Now), ActorRefs.NoSender, null));
        Command<ForwardDeadLetters>(_ =>
        {
            ForwardOutbox();
            SendBack(ReplaysInMemory());
            ReadBackLettersNotInMemory();
        });
        Command<PublishResult>(OnForwardConfirmed);
        Command<TopicError>(e => _log.Warning("Topic {0} refused a dead-letter forward or replay: {1} {2}", e.Topic, e.Code, e.Message));
        Command<BackgroundWriteDue>(_ =>
        {
            if (JournalIdle && _pending.Count > 0)
            {
                Flush();
            }
        });
        Command<TopicStop>(_ =>
        {
            if (JournalIdle && _pending.Count > 0)
            {
                Flush();
            }

            DeferAsync(TopicStop.Instance, _ => Context.Stop(Self));
        });
        Command<MetricsReading>(_ => ReadMetrics());
        Command<IdleCheck>(_ =>
        {
            if (_state.IsIdle)
            {
                // Passivating also drops the topic from the remembered entities, so an idle topic
                // is not restarted after a rebalance.
                Context.Parent.Tell(new Passivate(TopicStop.Instance));
            }
        });
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => _clock.GetUtcNow();

    /// <summary>Runs the journal reads; stops with the topic.</summary>
    private IMaterializer Materializer => _materializer ??= Context.Materializer();

    private string DeadLetterProducerId => _state.Name + DeadLetterProducerSuffix;

    private string ReplayProducerId => _state.Name + ReplayProducerSuffix;

    protected override void PostStop()
    {
        _metrics.Forget(_state.Name);
        base.PostStop();
    }

    public static Props Props(string topic, int shard, string regionName, TimeProvider clock, TopicStorage storage) =>
        Akka.Actor.Props.Create(() => new TopicActor(topic, shard, regionName, clock, storage));

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The journal refused the write, so nothing after it may be confirmed: the pending replies
        // say so, and the topic restarts from what the journal holds.
        _log.Error(cause, "Journal rejected event {0} of topic {1}; restarting from the journal", sequenceNr, _state.Name);
        _writeFailed = true;
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // The write may or may not be on disk; either way none of it was confirmed. Say so, then
        // stop: sharding starts the topic again on its next message, from what the journal holds.
        _log.Error(cause, "Journal write {0} of topic {1} failed; restarting from the journal", sequenceNr, _state.Name);
        RefuseUnconfirmed(_inFlight.Concat(_pending));
        _inFlight.Clear();
        _pending.Clear();
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    private void RefuseUnconfirmed(IEnumerable<PendingOutput> outputs)
    {
        foreach (var refused in outputs.Where(p => p.Output.Reply is not null))
        {
            refused.Sender?.Tell(new TopicError(_state.Name, ErrorCode.JournalWriteFailed, $"topic '{_state.Name}' could not write to its journal; nothing in this request was confirmed"));
        }
    }

    private void OnReplayed(IDurableTopicEvent replayed)
    {
        if (_restore is not null)
        {
            // Applied once the snapshot's payloads are back.
            _restore.Later.Add((replayed, LastSequenceNr));
            return;
        }

        _state.Apply(replayed);
        TrackAppend(replayed, LastSequenceNr);
        _eventsSinceSnapshot++;
        _messagesSinceSnapshot += replayed is MessagesAppended appended ? appended.Messages.Count : 0;
    }

    private void TrackAppend(IDurableTopicEvent written, long journalSequenceNr)
    {
        if (written is MessagesAppended appended)
        {
            _appends.Add(appended, journalSequenceNr);
        }
    }

    /// <summary>
    /// Reads the messages the snapshot needs at once from the journal events that appended them,
    /// while every command waits in the stash: only the stretches of the journal around them (the
    /// snapshot says where), not the backlog between. A snapshot without positions (first schema)
    /// has its journal read from the start, which holds nothing older than its oldest message.
    /// </summary>
    private void ReadBackPayloads(SnapshotRestore restore)
    {
        var needed = restore.Snapshot.NeededSequenceNrs.ToHashSet();
        if (needed.Count == 0)
        {
            OnPayloadsReadBack(new PayloadsReadBack());
            return;
        }

        var positions = new AppendPositions();
        positions.Restore(restore.Snapshot.Positions);
        var stretches = new List<(long From, long To)>();
        foreach (var seq in needed.Order())
        {
            var (from, to) = (positions.ReadFrom(seq), Math.Min(positions.ReadTo(seq) ?? long.MaxValue, restore.SnapshotSequenceNr));
            if (stretches.Count > 0 && from <= stretches[^1].To + 1)
            {
                stretches[^1] = (stretches[^1].From, Math.Max(stretches[^1].To, to));
            }
            else
            {
                stretches.Add((from, to));
            }
        }

        var journal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(_queryPluginId);
        Source.From(stretches)
            .ConcatMany(stretch => journal.CurrentEventsByPersistenceId(PersistenceId, stretch.From, stretch.To))
            .Where(envelope => envelope.Event is MessagesAppended)
            .RunAggregate(new PayloadsReadBack(), (read, envelope) => read.Add((MessagesAppended)envelope.Event, envelope.SequenceNr, needed), Materializer)
            .PipeTo(Self, failure: cause => new PayloadReadBackFailed(cause));
    }

    /// <summary>
    /// Reads held messages from <paramref name="from"/> on (a memory window of them) back from the
    /// journal, for a delivery, peek or replay that reached one not in memory; one read at a time.
    /// They come in chunks of about <see cref="ReadBackChunk"/> messages, each paged in and
    /// dispatched on arrival: the first deliveries need not wait for the whole window (a topic
    /// that moved starts with its memory empty and its consumers waiting).
    /// </summary>
    private void ReadBack(long from)
    {
        if (_readingBack)
        {
            _readBackWanted = Math.Min(_readBackWanted ?? from, from);
            return;
        }

        if (Now < _readBackPausedUntil)
        {
            return;
        }

        _readingBack = true;
        _readBackFoundFirst = false;
        var to = from + _state.MemoryWindow - 1;
        var self = Self;
        PersistenceQuery.Get(Context.System)
            .ReadJournalFor<SqlReadJournal>(_queryPluginId)
            .CurrentEventsByPersistenceId(PersistenceId, _appends.ReadFrom(from), _appends.ReadTo(to) ?? long.MaxValue)
            .Where(envelope => envelope.Event is MessagesAppended)
            .Select(envelope => (MessagesAppended)envelope.Event)
            .TakeWhile(appended => appended.Messages.Count == 0 || appended.Messages[0].SequenceNr <= to)
            .Select(appended => appended.Messages.Where(m => m.SequenceNr >= from && m.SequenceNr <= to).ToList())
            .Where(messages => messages.Count > 0)
            .GroupedWeightedWithin(ReadBackChunk, ReadBackChunkWait, messages => messages.Count)
            .RunForeach(chunk => self.Tell(new MessagesReadBack(from, [.. chunk.SelectMany(messages => messages)])), Materializer)
            .PipeTo(self, success: () => new ReadBackDone(from), failure: cause => new ReadBackFailed(from, cause));
    }

    private void OnReadBack(MessagesReadBack read)
    {
        var lettersMissing = _state.LettersNotInMemory.Count();
        _readBackFoundFirst |= read.Messages[0].SequenceNr == read.From;
        _state.PageIn(read.Messages);
        if (_state.LettersNotInMemory.Count() < lettersMissing)
        {
            ForwardOutbox();
            SendBack(ReplaysInMemory());
        }

        Process(_state.Dispatch(Now), ActorRefs.NoSender, null);
    }

    private void OnReadBackDone(ReadBackDone done)
    {
        _readingBack = false;
        if (!_readBackFoundFirst)
        {
            PauseReadBack($"the journal no longer holds message {done.From}");
        }

        if (_readBackWanted is { } wanted)
        {
            _readBackWanted = null;
            if (_state.IsHeld(wanted) && !_state.Messages.ContainsKey(wanted))
            {
                ReadBack(wanted);
            }
        }

        Process(_state.Dispatch(Now), ActorRefs.NoSender, null);
    }

    private void PauseReadBack(string why)
    {
        _log.Error("Topic {0} could not read messages back: {1}; retrying in {2}", _state.Name, why, ReadBackRetryInterval);
        _readBackPausedUntil = Now + ReadBackRetryInterval;
        Timers.StartSingleTimer(ReadBackRetry.Instance, ReadBackRetry.Instance, ReadBackRetryInterval);
    }

    private void OnPayloadsReadBack(PayloadsReadBack read)
    {
        var restore = _restore!;
        try
        {
            _state = TopicState.FromSnapshot(_state.Name, restore.Snapshot, read.Messages);
        }
        catch (InvalidOperationException e)
        {
            _log.Error(e, "Topic {0} cannot recover; stopping", _state.Name);
            Context.Stop(Self);
            return;
        }

        if (restore.Snapshot.Positions.Count > 0)
        {
            _appends.Restore(restore.Snapshot.Positions);
        }
        else
        {
            foreach (var (lastSequenceNr, journalSequenceNr) in read.Appends)
            {
                _appends.Add(lastSequenceNr, journalSequenceNr);
            }
        }

        foreach (var (later, journalSequenceNr) in restore.Later)
        {
            _state.Apply(later);
            TrackAppend(later, journalSequenceNr);
        }

        _eventsSinceSnapshot = restore.Later.Count;
        _messagesSinceSnapshot = restore.Later.Select(l => l.Event).OfType<MessagesAppended>().Sum(a => a.Messages.Count);
        _restore = null;
        OnRecovered();
        Stash.UnstashAll();
    }

    /// <summary>
    /// The snapshot is stored, so the events before it are needed only for the payloads of the
    /// messages it holds: delete the journal below the oldest one's append, and older snapshots.
    /// </summary>
    private void OnSnapshotSaved(SaveSnapshotSuccess saved)
    {
        var snapshot = _snapshotSaving;
        _snapshotSaving = null;
        if (snapshot is null)
        {
            HousekeepingDone();
            return;
        }

        // Held messages not in memory still live in the journal only: the oldest held bounds the deletion too.
        var oldestNeeded = snapshot.NeededSequenceNrs.Concat(snapshot.Held.Take(1).Select(r => r.From))
            .Select(seq => (long?)seq).Min();
        var deletable = _deletionFence.DeletableThrough(_appends.DeletableThrough(oldestNeeded, saved.Metadata.SequenceNr), Now);
        if (deletable > _deletedThrough)
        {
            Housekeep(() => DeleteMessages(deletable));
            _deletedThrough = deletable;
        }

        Housekeep(() => DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1)));
        _appends.ForgetBefore(oldestNeeded ?? snapshot.NextSeq);

        // Events written while this one was saved would otherwise wait for the next write; the
        // state is taken only when all it holds is written, as in a write's own snapshot.
        if (_writesInFlight == 0 && _pending.Count == 0 && SnapshotDue())
        {
            _snapshotSaving = _state.ToSnapshot();
            _eventsSinceSnapshot = 0;
            _messagesSinceSnapshot = 0;
            SaveSnapshotOfWritten(_snapshotSaving);
        }

        HousekeepingDone();
    }

    private bool JournalIdle => _writesInFlight == 0;

    /// <summary>
    /// Saves, after the housekeeping before it, a snapshot of the state once everything written so
    /// far is applied, under the journal position it covers, taken now. Akka's SaveSnapshot takes
    /// the position when it is called: queued behind a slow deletion, that was past events written
    /// meanwhile, which recovery then skipped and the next deletion removed (confirmed messages lost).
    /// </summary>
    private void SaveSnapshotOfWritten(TopicSnapshot snapshot)
    {
        var save = new SaveSnapshot(new SnapshotMetadata(SnapshotterId, LastSequenceNr, Now.UtcDateTime), snapshot with { Positions = [.. _appends.Entries] });
        Housekeep(() => SnapshotStore.Tell(save));
    }

    /// <summary>Runs a snapshot save or deletion after those before it.</summary>
    private void Housekeep(Action operation)
    {
        _housekeeping.Enqueue(operation);
        if (!_housekeepingRunning)
        {
            HousekeepNext();
        }
    }

    private void HousekeepNext()
    {
        _housekeepingRunning = _housekeeping.TryDequeue(out var next);
        next?.Invoke();
    }

    /// <summary>One snapshot save or deletion finished: the next one runs.</summary>
    private void HousekeepingDone(Action? then = null)
    {
        then?.Invoke();
        HousekeepNext();
    }

    private void OnRecovered()
    {
        _deletionFence = new DeletionFence(LastSequenceNr, Now + _takeoverFence);
        _state.MarkDurable(_state.NextSeq - 1);
        if (_state.Stats() is { } stats)
        {
            // A topic starting with messages has usually moved here (a node left or died): worth a line.
            _log.Info("Topic {0} started from its journal in {1:0} ms: {2} pending, {3} groups", _state.Name, _started.Elapsed.TotalMilliseconds, stats.Pending, stats.Groups.Count);
        }

        if (_state.Outbox.Count > 0)
        {
            ForwardOutbox();
        }

        SendBack(ReplaysInMemory());

        // Replayed events lease, release and dead-letter messages whose payloads the replay did not keep.
        if (_state.MissingInMemory() is [var firstMissing, ..])
        {
            ReadBack(firstMissing);
        }

        // Leases recovered from the journal belong to consumers of the previous incarnation: they
        // go back to deliverable before any command sees them.
        Process(_state.Tick(Now), ActorRefs.NoSender, null);
    }

    private void Process(TopicOutput output, IActorRef? sender, ITopicCommand? command)
    {
        if (output.ReadBackFrom is { } readBackFrom)
        {
            ReadBack(readBackFrom);
        }

        TrackConsumer(command, output.Reply, sender);
        if (output.Reply is TopicStats stats)
        {
            output.Reply = stats with { PublishRate = _publishRate.PerSecond(Now), DeliverRate = _deliverRate.PerSecond(Now) };
        }

        // Deliveries carry committed messages only, so they need not wait for this write; those
        // of a command wait for its reply, so a consumer hears "subscribed" before its first
        // delivery; and none overtakes deliveries decided earlier that still wait, so first
        // deliveries reach a consumer in publish order.
        var deliverNow = output.Reply is null && !_inFlight.Concat(_pending).Any(p => !p.DeliveriesSent && p.Output.Deliveries.Count > 0);
        if (deliverNow)
        {
            Deliver(output.Deliveries);
        }

        var pending = new PendingOutput(output, sender, _state.NextSeq - 1, deliverNow, TopicActivity.Of(output));
        var inMemory = _state.Settings?.Durability == Durability.InMemory;
        if (JournalIdle && (inMemory || !output.DurableEvents.Any()))
        {
            Committed(pending);
            return;
        }

        // Behind a write in flight even without events of its own: its reply may rest on what that
        // write holds (a retried publish confirmed by a message not yet committed).
        _pending.Add(inMemory ? pending with { Output = WithoutEvents(output) } : pending);
        if (_groupCommit)
        {
            FlushWhenDue();
        }
        else
        {
            Flush();
        }
    }

    /// <summary>
    /// Once the journal is idle, writes what is pending: at once if anyone waits on it (a reply, or
    /// deliveries held for the write); otherwise (leases and releases the topic decided on its own)
    /// within <see cref="BackgroundWriteDelay"/>, together with whatever comes meanwhile.
    /// </summary>
    private void FlushWhenDue()
    {
        if (!JournalIdle || _pending.Count == 0)
        {
            return;
        }

        if (_pending.Exists(p => p.Awaited))
        {
            Flush();
        }
        else if (!Timers.IsTimerActive(BackgroundWriteDue.Instance))
        {
            Timers.StartSingleTimer(BackgroundWriteDue.Instance, BackgroundWriteDue.Instance, BackgroundWriteDelay);
        }
    }

    /// <summary>
    /// Group commit: writes the events of every output that queued up while the previous write was
    /// in flight as one journal write (one transaction, one fsync), adjacent appends merged into one
    /// event; then confirms them all. Without group commit each output is written on its own.
    /// </summary>
    private void Flush()
    {
        Timers.Cancel(BackgroundWriteDue.Instance);
        var batch = _pending.ToList();
        _inFlight.AddRange(batch);
        _pending.Clear();
        _writesInFlight++;
        var events = MergeAppends(batch.SelectMany(p => p.Output.DurableEvents)).ToList();
        var writeStarted = Stopwatch.GetTimestamp();
        if (events.Count > 0)
        {
            PersistAllAsync(events, written => TrackAppend(written, LastSequenceNr));
        }

        // Nothing unwritten is applied beyond this batch, so the state now is the state once it is written.
        _eventsSinceSnapshot += events.Count;
        _messagesSinceSnapshot += events.OfType<MessagesAppended>().Sum(e => e.Messages.Count);
        var snapshot = SnapshotDue() ? _state.ToSnapshot() : null;
        if (snapshot is not null)
        {
            _snapshotSaving = snapshot;
            _eventsSinceSnapshot = 0;
            _messagesSinceSnapshot = 0;
        }

        DeferAsync(batch, _ =>
        {
            if (_writeFailed)
            {
                RefuseUnconfirmed(batch.Concat(_pending));
                Context.Stop(Self);
                return;
            }

            if (events.Count > 0)
            {
                _metrics.RecordWrite(Stopwatch.GetElapsedTime(writeStarted), events.OfType<MessagesAppended>().Sum(e => e.Messages.Count));
            }

            if (snapshot is not null)
            {
                SaveSnapshotOfWritten(snapshot);
            }

            _inFlight.RemoveRange(0, batch.Count);
            foreach (var committed in batch)
            {
                Answer(committed);
            }

            // One dispatch for the whole write: its messages go to each consumer in one delivery.
            MarkDurable(batch[^1].Through);

            _writesInFlight--;
            FlushWhenDue();
        });
    }

    /// <summary>
    /// After so many events, or a memory window's worth of appended messages, so a recovery never
    /// replays more messages than a topic keeps in memory.
    /// </summary>
    private bool SnapshotDue() =>
        (_eventsSinceSnapshot >= _snapshotEvery || _messagesSinceSnapshot >= _state.MemoryWindow)
        && _snapshotSaving is null && _state.Settings?.Durability != Durability.InMemory;

    private static TopicOutput WithoutEvents(TopicOutput output)
    {
        var copy = new TopicOutput { Reply = output.Reply };
        copy.Deliveries.AddRange(output.Deliveries);
        copy.DeadLetters.AddRange(output.DeadLetters);
        return copy;
    }

    /// <summary>Merges runs of appends into events of up to <see cref="TopicState.MaxBatch"/> messages and about a megabyte.</summary>
    private static IEnumerable<IDurableTopicEvent> MergeAppends(IEnumerable<IDurableTopicEvent> events)
    {
        const int maxBytes = 1024 * 1024;
        var run = new List<StoredMessage>();
        var bytes = 0;
        foreach (var e in events)
        {
            if (e is MessagesAppended appended && run.Count + appended.Messages.Count <= TopicState.MaxBatch && bytes < maxBytes)
            {
                run.AddRange(appended.Messages);
                bytes += appended.Messages.Sum(m => m.Payload.Length);
                continue;
            }

            if (run.Count > 0)
            {
                yield return new MessagesAppended(run);
                run = [];
                bytes = 0;
            }

            if (e is MessagesAppended next)
            {
                run.AddRange(next.Messages);
                bytes += next.Messages.Sum(m => m.Payload.Length);
            }
            else
            {
                yield return e;
            }
        }

        if (run.Count > 0)
        {
            yield return new MessagesAppended(run);
        }
    }

    /// <summary>The output's events are committed: reply, deliver what became deliverable, forward dead letters.</summary>
    private void Committed(PendingOutput pending)
    {
        Answer(pending);
        MarkDurable(pending.Through);
    }

    /// <summary>Replies to a committed command and sends what it decided: deliveries, dead letters, replays.</summary>
    private void Answer(PendingOutput pending)
    {
        var (output, sender, _, deliveriesSent, activity) = pending;
        Count(activity);
        if (output.Reply is not null && sender is not null && !sender.IsNobody())
        {
            sender.Tell(output.Reply);
        }

        if (!deliveriesSent)
        {
            Deliver(output.Deliveries);
        }

        if (output.DeadLetters.Count > 0)
        {
            Forward(output.DeadLetters);
        }

        SendBack(output.Replays);
    }

    /// <summary>Messages through <paramref name="through"/> are committed: they may now go to consumers.</summary>
    private void MarkDurable(long through)
    {
        if (through > _state.DurableThrough)
        {
            _state.MarkDurable(through);
            var dispatched = _state.Dispatch(Now);
            if (dispatched.Events.Count > 0)
            {
                Process(dispatched, ActorRefs.NoSender, null);
            }
        }

        ScheduleTick();
    }

    private void Count(TopicActivity activity)
    {
        if (!activity.IsEmpty)
        {
            _metrics.Record(_state.Name, activity);
            _publishRate.Add(activity.Published, Now);
            _deliverRate.Add(activity.Delivered, Now);
        }

        if (!Timers.IsTimerActive(MetricsReading.Instance))
        {
            Timers.StartSingleTimer(MetricsReading.Instance, MetricsReading.Instance, MetricsReadingInterval);
        }
    }

    /// <summary>Leaves the topic's counters where the gauges read them; a deleted topic leaves none.</summary>
    private void ReadMetrics()
    {
        if (_state.Stats() is { } stats)
        {
            _metrics.Read(stats);
        }
        else
        {
            _metrics.Forget(_state.Name);
        }
    }

    private void TrackConsumer(ITopicCommand? command, IClusterQueueMessage? reply, IActorRef? sender)
    {
        switch (command, reply)
        {
            case (Subscribe s, Subscribed) when sender is not null:
                _consumers[(s.Group, s.ConsumerId)] = sender;
                break;
            case (Unsubscribe u, Unsubscribed):
                _consumers.Remove((u.Group, u.ConsumerId));
                break;
            case (DeleteGroup g, GroupDeleted):
                foreach (var key in _consumers.Keys.Where(k => k.Group == g.Group).ToList())
                {
                    _consumers.Remove(key);
                }

                break;
        }
    }

    /// <summary>
    /// A consumer's heartbeat (or lease extension, or credit) that comes by another path than its
    /// deliveries go (through the gateway, its connection moved to another node when one stopped):
    /// deliveries follow it from now on, and what went the old way, maybe lost, goes out again.
    /// Without this the topic would keep sending into a dead tunnel while the consumer, whose
    /// heartbeats are answered, never notices.
    /// </summary>
    private void FollowConsumer(ITopicCommand command, IActorRef sender)
    {
        var key = command switch
        {
            Heartbeat h => (h.Group, h.ConsumerId),
            ExtendLease e => (e.Group, e.ConsumerId),
            AddCredit a => (a.Group, a.ConsumerId),
            _ => default,
        };
        if (key != default && !sender.IsNobody() && _consumers.TryGetValue(key, out var known) && !known.Equals(sender))
        {
            _consumers[key] = sender;
            Process(_state.ConsumerMoved(key.Group, key.ConsumerId, Now), ActorRefs.NoSender, null);
        }
    }

    private void Deliver(List<Delivery> deliveries)
    {
        foreach (var delivery in deliveries)
        {
            if (_consumers.TryGetValue((delivery.Group, delivery.ConsumerId), out var consumer))
            {
                consumer.Tell(delivery);
            }
        }
    }

    private void ScheduleTick()
    {
        var now = Now;
        if (_state.NextDeadline(now) is { } deadline)
        {
            var delay = deadline - now;
            Timers.StartSingleTimer(TopicTick.Instance, TopicTick.Instance, delay < MinimumTick ? MinimumTick : delay);
        }
        else
        {
            Timers.Cancel(TopicTick.Instance);
        }

        if (_state.IsIdle)
        {
            Timers.StartSingleTimer(IdleCheck.Instance, IdleCheck.Instance, IdleTimeout);
        }
        else
        {
            Timers.Cancel(IdleCheck.Instance);
        }

        var unconfirmed = _state.Outbox.Count + _state.Replays.Count;
        if (unconfirmed > 0 && !Timers.IsTimerActive(ForwardDeadLetters.Instance))
        {
            Timers.StartPeriodicTimer(ForwardDeadLetters.Instance, ForwardDeadLetters.Instance, DeadLetterRetryInterval);
        }
        else if (unconfirmed == 0)
        {
            Timers.Cancel(ForwardDeadLetters.Instance);
        }
    }

    /// <summary>
    /// A read back that failed (journal unavailable) or stopped at its window leaves dead letters or
    /// replays without their messages, and nothing else asks for them: read on from the first.
    /// </summary>
    private void ReadBackLettersNotInMemory()
    {
        if (_state.LettersNotInMemory.Select(seq => (long?)seq).Min() is { } first)
        {
            ReadBack(first);
        }
    }

    /// <summary>Dead letters still to forward whose messages are in memory; the others follow once read back.</summary>
    private void ForwardOutbox() =>
        Forward([.. _state.Outbox.Values.Where(o => o.Message is not null).Select(o => (o.Letter, o.Message!))]);

    private List<StoredMessage> ReplaysInMemory() => [.. _state.Replays.Values.OfType<StoredMessage>()];

    /// <summary>
    /// Publishes dead letters to the dead-letter topic, numbered by dead-letter id, so a forward
    /// repeated after a restart or a lost reply is deduplicated there.
    /// </summary>
    private void Forward(IReadOnlyList<(DeadLetter Letter, StoredMessage Message)> letters)
    {
        var region = ClusterSharding.Get(Context.System).ShardRegion(_regionName);
        var deadLetterTopic = TopicNames.DeadLetterTopicOf(_state.Name);
        foreach (var batch in TopicLimits.Chunk(letters, l => TopicLimits.SizeOf(l.Message.Payload, l.Message.Headers, null) + 512).SelectMany(c => c.Chunk(TopicState.MaxBatch)))
        {
            var messages = batch.Select(l => new OutgoingMessage(
                l.Letter.DeadLetterId,
                l.Message.Payload,
                DeadLetterHeadersFor(l.Letter, l.Message))).ToList();
            region.Tell(new Publish(deadLetterTopic, DeadLetterProducerId, messages), Self);
        }
    }

    private Dictionary<string, string> DeadLetterHeadersFor(DeadLetter letter, StoredMessage message) =>
        new(message.Headers)
        {
            [DeadLetterHeaders.Topic] = _state.Name,
            [DeadLetterHeaders.Group] = letter.Group,
            [DeadLetterHeaders.Reason] = letter.Reason.ToString(),
            [DeadLetterHeaders.Attempts] = letter.Attempts.ToString(CultureInfo.InvariantCulture),
            [DeadLetterHeaders.SequenceNr] = letter.SequenceNr.ToString(CultureInfo.InvariantCulture),
        };

    /// <summary>
    /// Sends replayed messages back to the topic and group each came from (its dead-letter headers
    /// say which), numbered by their sequence number here, so a resend is deduplicated there.
    /// </summary>
    private void SendBack(List<StoredMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var region = ClusterSharding.Get(Context.System).ShardRegion(_regionName);
        var origin = _state.Name[..^TopicNames.DeadLetterSuffix.Length];
        foreach (var byDestination in messages.GroupBy(m => (
            Topic: m.Headers.GetValueOrDefault(DeadLetterHeaders.Topic, origin),
            Group: m.Headers.GetValueOrDefault(DeadLetterHeaders.Group, ""))))
        {
            var outgoing = byDestination.Select(m => new OutgoingMessage(
                m.SequenceNr,
                m.Payload,
                m.Headers.Where(h => !h.Key.StartsWith(DeadLetterHeaders.Prefix, StringComparison.Ordinal)).ToDictionary(),
                m.MessageId));
            foreach (var batch in TopicLimits.Chunk(outgoing, TopicLimits.SizeOf).SelectMany(c => c.Chunk(TopicState.MaxBatch)))
            {
                region.Tell(new Publish(byDestination.Key.Topic, ReplayProducerId, batch, byDestination.Key.Group), Self);
            }
        }
    }

    private void OnForwardConfirmed(PublishResult result)
    {
        foreach (var refused in result.Outcomes.Where(o => !o.Confirmed))
        {
            _log.Warning("Topic {0} refused forwarded message {1} from {2}: {3} {4}", result.Topic, refused.ProducerSeq, result.ProducerId, refused.Error, refused.Reason);
        }

        var confirmed = result.Outcomes.Where(o => o.Confirmed).Select(o => o.ProducerSeq).ToList();
        if (result.ProducerId == DeadLetterProducerId)
        {
            Process(_state.ConfirmDeadLetters(confirmed), ActorRefs.NoSender, null);
        }
        else if (result.ProducerId == ReplayProducerId)
        {
            Process(_state.ConfirmReplays(confirmed), ActorRefs.NoSender, null);
        }
    }

    /// <summary>A snapshot offered in recovery, and the events replayed after it.</summary>
    private sealed record SnapshotRestore(TopicSnapshot Snapshot, long SnapshotSequenceNr)
    {
        public List<(IDurableTopicEvent Event, long JournalSequenceNr)> Later { get; } = [];
    }

    /// <summary>The messages a snapshot needs, read back from the journal, and where each append event is.</summary>
    private sealed class PayloadsReadBack
    {
        public Dictionary<long, StoredMessage> Messages { get; } = [];

        public List<(long LastSequenceNr, long JournalSequenceNr)> Appends { get; } = [];

        public PayloadsReadBack Add(MessagesAppended appended, long journalSequenceNr, HashSet<long> needed)
        {
            if (appended.Messages.Count > 0)
            {
                Appends.Add((appended.Messages[^1].SequenceNr, journalSequenceNr));
            }

            foreach (var message in appended.Messages.Where(m => needed.Contains(m.SequenceNr)))
            {
                Messages[message.SequenceNr] = message;
            }

            return this;
        }
    }

    private sealed record PayloadReadBackFailed(Exception Cause);

    /// <summary>A chunk, never empty, of the held messages read back from the journal from <paramref name="From"/> on.</summary>
    private sealed record MessagesReadBack(long From, List<StoredMessage> Messages);

    /// <summary>Every chunk of the read back from <paramref name="From"/> on has arrived.</summary>
    private sealed record ReadBackDone(long From);

    private sealed record ReadBackFailed(long From, Exception Cause);

    /// <summary>Tries a read-back again after the journal could not give it.</summary>
    private sealed class ReadBackRetry
    {
        public static readonly ReadBackRetry Instance = new();
    }

    /// <summary>An output waiting for its events to be committed, and whom to answer then.</summary>
    /// <param name="Through">Messages up to this one are committed once the output's write is.</param>
    /// <param name="DeliveriesSent">Its deliveries went out at once; otherwise they go when it is committed.</param>
    /// <param name="Activity">What the output does to messages, counted once it is committed.</param>
    private sealed record PendingOutput(TopicOutput Output, IActorRef? Sender, long Through, bool DeliveriesSent, TopicActivity Activity)
    {
        /// <summary>Someone waits for its write: a reply, or deliveries held until it is committed.</summary>
        public bool Awaited => Output.Reply is not null || (!DeliveriesSent && Output.Deliveries.Count > 0);
    }

    /// <summary>Events nobody waits for have waited <see cref="BackgroundWriteDelay"/> for company: write them.</summary>
    private sealed class BackgroundWriteDue
    {
        public static readonly BackgroundWriteDue Instance = new();
    }

    /// <summary>Time to refresh the gauges' reading of this topic.</summary>
    private sealed class MetricsReading
    {
        public static readonly MetricsReading Instance = new();
    }

    /// <summary>Runs the state's timers: lease expiry, delays, silent consumers.</summary>
    private sealed class TopicTick
    {
        public static readonly TopicTick Instance = new();
    }

    /// <summary>The topic may have been idle for <see cref="IdleTimeout"/>: stop it if it still is.</summary>
    private sealed class IdleCheck
    {
        public static readonly IdleCheck Instance = new();
    }

    /// <summary>Retries forwarding dead letters (and replays) not confirmed yet, reading back those not in memory.</summary>
    private sealed class ForwardDeadLetters
    {
        public static readonly ForwardDeadLetters Instance = new();
    }
}

/// <summary>
/// The hand-off stop message: a topic asked to stop for a rebalance first finishes its pending
/// writes (PoisonPill would drop them).
/// </summary>
public sealed class TopicStop
{
    public static readonly TopicStop Instance = new();

    private TopicStop()
    {
    }
}
