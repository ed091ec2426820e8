using Akka.Actor;
using ClusterQueue.Client.Consuming;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client.Tests;

/// <summary>How a consumer gets its subscription when the topic cannot record it at once.</summary>
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
