using System.Text;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Tests.Topics;

/// <summary>Drives a <see cref="TopicState"/> the way the topic actor does, with a clock the test moves.</summary>
public sealed class TopicHarness(string topic = "orders", int memoryWindow = TopicState.DefaultMemoryWindow)
{
    private long _producerSeq;

    public TopicState State { get; } = new(topic, memoryWindow);

    public string Topic => State.Name;

    public DateTimeOffset Now { get; private set; } = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Every durable event so far, in order: what the journal would hold.</summary>
    public List<IDurableTopicEvent> Journal { get; } = [];

    /// <summary>Handles a command, commits its events (as the actor does after the write), then dispatches.</summary>
    public (IClusterQueueMessage? Reply, List<Delivery> Deliveries, TopicOutput Output) Run(ITopicCommand command)
    {
        var output = State.Handle(command, Now);
        var deliveries = Commit(output);
        return (output.Reply, deliveries, output);
    }

    public TReply Reply<TReply>(ITopicCommand command) => Assert.IsType<TReply>(Run(command).Reply);

    public TopicError Refused(ITopicCommand command, ErrorCode code)
    {
        var error = Reply<TopicError>(command);
        Assert.Equal(code, error.Code);
        return error;
    }

    /// <summary>Moves the clock, runs the timers' tick, commits and returns what it delivered.</summary>
    public (List<Delivery> Deliveries, TopicOutput Output) Advance(TimeSpan by)
    {
        Now += by;
        var output = State.Tick(Now);
        return (Commit(output), output);
    }

    /// <summary>The lowest message the last command or tick asked to read back from the journal (its own output or the dispatch after its commit).</summary>
    public long? ReadBackFrom { get; private set; }

    private List<Delivery> Commit(TopicOutput output)
    {
        Journal.AddRange(output.DurableEvents);
        var deliveries = new List<Delivery>(output.Deliveries);
        State.MarkDurable(State.NextSeq - 1);
        var dispatched = State.Dispatch(Now);
        Journal.AddRange(dispatched.DurableEvents);
        deliveries.AddRange(dispatched.Deliveries);
        ReadBackFrom = new[] { output.ReadBackFrom, dispatched.ReadBackFrom }.Min();
        return deliveries;
    }

    /// <summary>
    /// What the actor does when an output asks for messages not in memory: reads a memory window of
    /// them from the journal, pages them in and dispatches; returns that dispatch's output.
    /// </summary>
    public TopicOutput ReadBack(long from)
    {
        var messages = Journal.OfType<MessagesAppended>().SelectMany(a => a.Messages)
            .Where(m => m.SequenceNr >= from && m.SequenceNr < from + State.MemoryWindow);
        State.PageIn(messages);
        var dispatched = State.Dispatch(Now);
        Journal.AddRange(dispatched.DurableEvents);
        return dispatched;
    }

    public static OutgoingMessage Message(long producerSeq, string text, string? messageId = null, TimeSpan? ttl = null, TimeSpan? delay = null) =>
        new(producerSeq, Encoding.UTF8.GetBytes(text), null, messageId, ttl, delay);

    /// <summary>Publishes texts from producer "p1", numbering them itself; returns the sequence numbers.</summary>
    public List<long> Publish(params string[] texts)
    {
        var result = Reply<PublishResult>(new Publish(Topic, "p1", texts.Select(t => Message(++_producerSeq, t)).ToList()));
        Assert.All(result.Outcomes, o => Assert.True(o.Confirmed, o.Reason));
        return result.Outcomes.Select(o => o.SequenceNr).ToList();
    }

    public (Subscribed Reply, List<Delivery> Deliveries) Subscribe(string group, string consumer, int credit = 10, StartPosition start = StartPosition.New)
    {
        var (reply, deliveries, _) = Run(new Subscribe(Topic, group, consumer, start, credit));
        return (Assert.IsType<Subscribed>(reply), deliveries);
    }

    public AckResult Ack(string group, params long[] seqs) => Reply<AckResult>(new Ack(Topic, group, seqs));

    public static string Text(DeliveredMessage delivered) => Encoding.UTF8.GetString(delivered.Message.Payload);

    public static List<(string Consumer, long Seq, int Attempt)> Flatten(IEnumerable<Delivery> deliveries) =>
        deliveries.SelectMany(d => d.Messages.Select(m => (d.ConsumerId, m.Message.SequenceNr, m.Attempt))).ToList();
}
