using BenchmarkDotNet.Attributes;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Bench.Micro;

/// <summary>
/// The topic's state machine alone, driven as the topic actor drives it for one producer and one
/// consumer: publish a batch, commit it, deliver it, ack it. Every figure is per message.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(Invocations)]
public class TopicStateBenchmarks
{
    /// <summary>Messages each invocation moves, so a figure divided by it is per message.</summary>
    private const int MessagesPerInvocation = 100;

    /// <summary>Invocations per iteration: 100,000 messages, enough to time with the state set up fresh between iterations.</summary>
    private const int Invocations = 1000;

    private const string Topic = "bench";
    private const string Group = "g";
    private const string Consumer = "c";

    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Payload = new byte[100];

    private TopicState _state = null!;
    private long _producerSeq;

    /// <summary>DeliverAck: the output that leased the consumer its current batch.</summary>
    private TopicOutput _leased = null!;

    /// <summary>Messages per publish and per ack: 1 is a message at a time, 100 what group commit and the client's ack batching make of a busy topic.</summary>
    [Params(1, 100)]
    public int BatchSize { get; set; }

    /// <summary>A topic whose group has no consumer: publishes only pile up (past the memory window, as a backlog does).</summary>
    [IterationSetup(Target = nameof(Publish))]
    public void SetupBacklog()
    {
        Reset(TopicState.DefaultMemoryWindow);
        Expect(_state.Handle(new Subscribe(Topic, Group, Consumer, StartPosition.Earliest, 1), Now).Reply is Subscribed, "subscribed");
        Expect(_state.Handle(new Unsubscribe(Topic, Group, Consumer), Now).Reply is Unsubscribed, "unsubscribed");
    }

    /// <summary>A topic holding every message the iteration will deliver, all in memory, and a consumer taking a batch at a time.</summary>
    [IterationSetup(Target = nameof(DeliverAck))]
    public void SetupFullTopic()
    {
        const int held = Invocations * MessagesPerInvocation;
        Reset(held);
        while (_state.NextSeq <= held)
        {
            CommitPublish();
        }

        _leased = _state.Handle(new Subscribe(Topic, Group, Consumer, StartPosition.Earliest, BatchSize), Now);
        Expect(_leased.Reply is Subscribed, "subscribed");
    }

    /// <summary>A topic with a consumer taking a batch at a time, kept empty by the benchmark itself.</summary>
    [IterationSetup(Target = nameof(PublishDeliverAck))]
    public void SetupEmptyTopic()
    {
        Reset(TopicState.DefaultMemoryWindow);
        Expect(_state.Handle(new Subscribe(Topic, Group, Consumer, StartPosition.Earliest, BatchSize), Now).Reply is Subscribed, "subscribed");
    }

    /// <summary>Publish and commit, nobody consuming.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvocation)]
    public void Publish()
    {
        for (var round = 0; round < MessagesPerInvocation / BatchSize; round++)
        {
            CommitPublish();
        }
    }

    /// <summary>Ack the delivery the consumer holds, which delivers the next: messages already committed.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvocation)]
    public void DeliverAck()
    {
        for (var round = 0; round < MessagesPerInvocation / BatchSize; round++)
        {
            var (acked, next) = AckAll(_leased);
            Expect(acked == BatchSize, "a batch leased to the consumer");
            _leased = next!;
        }
    }

    /// <summary>The whole way of a message through the state: publish, commit, deliver, ack.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvocation)]
    public void PublishDeliverAck()
    {
        for (var round = 0; round < MessagesPerInvocation / BatchSize; round++)
        {
            CommitPublish();
            Expect(AckAll(_state.Dispatch(Now)).Acked == BatchSize, "the batch delivered");
        }
    }

    private void Reset(int memoryWindow)
    {
        _state = new TopicState(Topic, memoryWindow);
        _producerSeq = 0;
    }

    /// <summary>Publishes a batch and marks it committed, as the actor does once the journal write returns.</summary>
    private void CommitPublish()
    {
        var messages = new OutgoingMessage[BatchSize];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = new OutgoingMessage(++_producerSeq, Payload);
        }

        _state.Handle(new Publish(Topic, "producer", messages), Now);
        _state.MarkDurable(_state.NextSeq - 1);
    }

    /// <summary>Acks everything in the deliveries, as the client does (one ack per delivery); returns how many, and the last ack's output.</summary>
    private (int Acked, TopicOutput? Next) AckAll(TopicOutput output)
    {
        var acked = 0;
        TopicOutput? next = null;
        foreach (var delivery in output.Deliveries)
        {
            var sequenceNrs = new long[delivery.Messages.Count];
            for (var i = 0; i < sequenceNrs.Length; i++)
            {
                sequenceNrs[i] = delivery.Messages[i].Message.SequenceNr;
            }

            next = _state.Handle(new Ack(Topic, Group, sequenceNrs), Now);
            acked += sequenceNrs.Length;
        }

        return (acked, next);
    }

    private static void Expect(bool holds, string what)
    {
        if (!holds)
        {
            throw new InvalidOperationException($"the benchmark's topic did not do what it measures: expected {what}");
        }
    }
}
