using Akka.Actor;
using ClusterQueue.Client.Consuming;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client.Tests;

/// <summary>How a consumer gets its subscription when the topic cannot record it at once, and how it leaves.</summary>
public sealed class ConsumerSubscriptionSpec : IAsyncLifetime
{
    private ActorSystem _system = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("consumer-spec");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _system.Terminate();

    [Fact]
    public async Task A_subscription_the_journal_could_not_record_is_asked_for_again_instead_of_refused()
    {
        var subscribes = 0;
        var topics = _system.ActorOf(Props.Create(() => new TopicWithJournalFailures(2, () => Interlocked.Increment(ref subscribes))));
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var consumer = _system.ActorOf(ConsumerActor.Props(topics, "orders", "billing", new ConsumerOptions(), (_, _) => Task.CompletedTask, subscribed));

        await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, Volatile.Read(ref subscribes));
        await consumer.GracefulStop(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_subscription_the_topic_refuses_for_a_reason_of_the_callers_fails_with_that_code()
    {
        var topics = _system.ActorOf(Props.Create(() => new TopicRefusing(ErrorCode.InvalidCredit)));
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        _system.ActorOf(ConsumerActor.Props(topics, "orders", "billing", new ConsumerOptions(), (_, _) => Task.CompletedTask, subscribed));

        var refused = await Assert.ThrowsAsync<SubscriptionRejectedException>(() => subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ErrorCode.InvalidCredit, refused.Code);
    }

    [Fact]
    public async Task Disposing_a_subscription_sends_its_acks_then_returns_once_the_topic_confirmed_it_left()
    {
        var topic = new TopicRecordingCommands();
        var topics = _system.ActorOf(Props.Create(() => new RecordingTopic(topic)));
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = QueueConsumer.Subscribe(_system, topics, "orders", "billing", (_, _) =>
        {
            handled.TrySetResult();
            return Task.CompletedTask;
        }, new ConsumerOptions { AckBatchDelay = TimeSpan.FromSeconds(10) });
        await topic.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        topics.Tell(new DeliverOne());
        await handled.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var disposing = subscription.DisposeAsync().AsTask();
        await topic.Unsubscribed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(disposing.IsCompleted, "the subscription was disposed before the topic confirmed the consumer left");

        topics.Tell(new ConfirmUnsubscribe());
        await disposing.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["Subscribe", "Ack", "Unsubscribe"], topic.Commands.Where(c => c != "Heartbeat"));
    }

    [Fact]
    public async Task Disposing_a_subscription_whose_topic_never_confirms_returns_after_the_unsubscribe_timeout()
    {
        var topic = new TopicRecordingCommands();
        var topics = _system.ActorOf(Props.Create(() => new RecordingTopic(topic)));
        var subscription = QueueConsumer.Subscribe(_system, topics, "orders", "billing", (_, _) => Task.CompletedTask);
        await topic.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await subscription.DisposeAsync().AsTask().WaitAsync(ConsumerActor.UnsubscribeTimeout + TimeSpan.FromSeconds(2));

        Assert.True(topic.Unsubscribed.Task.IsCompleted);
    }

    private sealed class TopicRecordingCommands
    {
        public List<string> Commands { get; } = [];

        public TaskCompletionSource Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Unsubscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record DeliverOne;

    private sealed record ConfirmUnsubscribe;

    /// <summary>A topic that records the commands it gets, delivers one message when told, and confirms an unsubscribe only when told.</summary>
    private sealed class RecordingTopic : ReceiveActor
    {
        private IActorRef _consumer = ActorRefs.Nobody;
        private Unsubscribe? _unsubscribe;

        public RecordingTopic(TopicRecordingCommands record)
        {
            Receive<ITopicCommand>(command =>
            {
                lock (record.Commands)
                {
                    record.Commands.Add(command.GetType().Name);
                }

                switch (command)
                {
                    case Subscribe subscribe:
                        _consumer = Sender;
                        Sender.Tell(new Subscribed(subscribe.Topic, subscribe.Group, subscribe.ConsumerId));
                        record.Subscribed.TrySetResult();
                        break;
                    case Unsubscribe unsubscribe:
                        _unsubscribe = unsubscribe;
                        record.Unsubscribed.TrySetResult();
                        break;
                }
            });
            Receive<DeliverOne>(_ => _consumer.Tell(new Delivery("orders", "billing", "consumer", [
                new DeliveredMessage(new TopicMessage(1, "hello"u8.ToArray(), new Dictionary<string, string>(), null, DateTimeOffset.UtcNow), 1, DateTimeOffset.UtcNow.AddMinutes(1)),
            ])));
            Receive<ConfirmUnsubscribe>(_ => _consumer.Tell(new Unsubscribed(_unsubscribe!.Topic, _unsubscribe.Group, _unsubscribe.ConsumerId)));
        }
    }

    /// <summary>A topic whose journal fails the first <c>failures</c> subscriptions, then records them.</summary>
    private sealed class TopicWithJournalFailures : ReceiveActor
    {
        public TopicWithJournalFailures(int failures, Func<int> countSubscribe)
        {
            Receive<Subscribe>(subscribe =>
            {
                Sender.Tell(countSubscribe() <= failures
                    ? new TopicError(subscribe.Topic, ErrorCode.JournalWriteFailed, "the journal is away")
                    : new Subscribed(subscribe.Topic, subscribe.Group, subscribe.ConsumerId));
            });
            ReceiveAny(_ => { });
        }
    }

    private sealed class TopicRefusing : ReceiveActor
    {
        public TopicRefusing(ErrorCode code)
        {
            Receive<Subscribe>(subscribe => Sender.Tell(new TopicError(subscribe.Topic, code, "refused")));
            ReceiveAny(_ => { });
        }
    }
}
