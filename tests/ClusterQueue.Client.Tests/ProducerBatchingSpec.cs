using System.Threading.Channels;
using Akka.Actor;
using ClusterQueue.Client.Producing;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client.Tests;

/// <summary>How a producer groups messages into publish requests, against a topic the test answers by hand.</summary>
public sealed class ProducerBatchingSpec : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Channel<(Publish Request, IActorRef Asker)> _requests = Channel.CreateUnbounded<(Publish, IActorRef)>();
    private ActorSystem _system = null!;
    private QueueProducer _producer = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("producer-batching-spec");
        var topic = _system.ActorOf(Props.Create(() => new RecordingTopic(_requests.Writer)));
        _producer = QueueProducer.Create(_system, topic, "orders", new ProducerOptions { MaxBatch = 3 });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _producer.DisposeAsync();
        await _system.Terminate();
    }

    [Fact]
    public async Task A_producer_sends_at_once_when_idle_and_while_a_request_is_in_flight_sends_only_full_batches()
    {
        var first = _producer.PublishAsync([1]);
        var (alone, firstAsker) = await NextRequest();
        Assert.Equal([1L], alone.Messages.Select(m => m.ProducerSeq));

        // Four more while the first waits for its answer: one full batch goes, one message waits.
        var more = Enumerable.Range(2, 4).Select(n => _producer.PublishAsync([(byte)n])).ToList();
        var (full, fullAsker) = await NextRequest();
        Assert.Equal([2L, 3L, 4L], full.Messages.Select(m => m.ProducerSeq));
        await Task.Delay(300);
        Assert.False(_requests.Reader.TryRead(out _), "a partial batch went out while requests were in flight");

        // Only once no request is in flight does the rest go.
        Confirm(alone, firstAsker);
        Assert.Equal(1, await first);
        Confirm(full, fullAsker);
        var (rest, restAsker) = await NextRequest();
        Assert.Equal([5L], rest.Messages.Select(m => m.ProducerSeq));
        Confirm(rest, restAsker);
        var numbers = await Task.WhenAll(more);
        Assert.Equal([2L, 3L, 4L, 5L], numbers);
    }

    [Fact]
    public async Task A_message_object_is_published_once_and_a_second_publish_of_it_is_refused_without_costing_the_window()
    {
        var message = new ProducerMessage([7], null, null, null, null);
        var twiceInOneBatch = await Assert.ThrowsAsync<ArgumentException>(() => _producer.PublishBatchAsync([message, message]));
        Assert.Contains("already published", twiceInOneBatch.Message);
        Assert.Equal(0, _producer.Unconfirmed);

        // The refused batch gave the message back: it can still be published, once.
        var published = _producer.PublishBatchAsync([message]);
        var (request, asker) = await NextRequest();
        await Assert.ThrowsAsync<ArgumentException>(() => _producer.PublishBatchAsync([message]));
        Assert.Equal(1, _producer.Unconfirmed);

        Confirm(request, asker);
        Assert.Equal([1L], await published);
        Assert.Equal(0, _producer.Unconfirmed);
    }

    [Fact]
    public async Task A_request_lost_while_its_topic_moved_is_sent_again_soon_after_a_later_one_is_answered_not_after_its_timeout()
    {
        var producer = QueueProducer.Create(_system, _system.ActorOf(Props.Create(() => new RecordingTopic(_requests.Writer))), "orders", new ProducerOptions
        {
            MaxBatch = 3,
            RequestTimeout = TimeSpan.FromSeconds(30),
        });
        var lostMessage = producer.PublishAsync([1]);
        var (lost, _) = await NextRequest();
        var later = Enumerable.Range(2, 3).Select(n => producer.PublishAsync([(byte)n])).ToList();
        var (answered, asker) = await NextRequest();
        Assert.Equal([2L, 3L, 4L], answered.Messages.Select(m => m.ProducerSeq));

        // The first request never reaches the topic (a shard region dropped it in a hand-off); the later one is answered.
        Confirm(answered, asker);
        var laterNumbers = await Task.WhenAll(later);
        Assert.Equal([2L, 3L, 4L], laterNumbers);
        var (again, againAsker) = await NextRequest();
        Assert.Equal(lost.Messages.Select(m => m.ProducerSeq), again.Messages.Select(m => m.ProducerSeq));
        Confirm(again, againAsker);
        Assert.Equal(1, await lostMessage);
        await producer.DisposeAsync();
    }

    [Fact]
    public async Task A_message_waiting_to_be_sent_again_fails_when_its_producer_stops_instead_of_never_settling()
    {
        var published = _producer.PublishAsync([1]);
        var (request, asker) = await NextRequest();
        asker.Tell(new TopicError(request.Topic, ErrorCode.JournalWriteFailed, "disk full"));

        // The producer holds the message for its resend pause (200 ms) and stops within it.
        await Task.Delay(TimeSpan.FromMilliseconds(100));
        await _producer.DisposeAsync();

        var failed = await Assert.ThrowsAsync<ObjectDisposedException>(() => published.WaitAsync(Timeout));
        Assert.Contains("may or may not have been stored", failed.Message);
    }

    [Fact]
    public async Task A_producer_restarted_by_a_failure_fails_what_it_held_and_numbers_on_so_the_topic_takes_no_new_message_for_a_copy()
    {
        var first = _producer.PublishAsync([1]);
        var (firstRequest, firstAsker) = await NextRequest();
        Confirm(firstRequest, firstAsker);
        Assert.Equal(1, await first);

        // A malformed answer (no outcomes at all) makes the actor throw while it handles it.
        var second = _producer.PublishAsync([2]);
        var (secondRequest, secondAsker) = await NextRequest();
        Assert.Equal([2L], secondRequest.Messages.Select(m => m.ProducerSeq));
        secondAsker.Tell(new PublishResult(secondRequest.Topic, secondRequest.ProducerId, null!));
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => second.WaitAsync(Timeout));
        Assert.Contains("restarted", failed.Message);
        Assert.Contains("may or may not have been stored", failed.Message);
        Assert.Equal(0, _producer.Unconfirmed);

        // Numbered 1 again under the same producer id, the topic would answer it as a copy of the first.
        var third = _producer.PublishAsync([3]);
        var (thirdRequest, thirdAsker) = await NextRequest();
        Assert.Equal(firstRequest.ProducerId, thirdRequest.ProducerId);
        Assert.Equal([3L], thirdRequest.Messages.Select(m => m.ProducerSeq));
        Confirm(thirdRequest, thirdAsker);
        Assert.Equal(3, await third.WaitAsync(Timeout));
    }

    private async Task<(Publish Request, IActorRef Asker)> NextRequest()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        return await _requests.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Confirms every message of a request under its producer number as its topic sequence number.</summary>
    private static void Confirm(Publish request, IActorRef asker) =>
        asker.Tell(new PublishResult(request.Topic, request.ProducerId, [.. request.Messages.Select(m => new PublishOutcome(m.ProducerSeq, m.ProducerSeq, false, ErrorCode.None, null))]));

    private sealed class RecordingTopic : ReceiveActor
    {
        public RecordingTopic(ChannelWriter<(Publish, IActorRef)> requests) =>
            Receive<Publish>(publish => requests.TryWrite((publish, Sender)));
    }
}
