using Akka.Actor;

namespace ClusterQueue.Client.Producing;

/// <summary>
/// Publishes to one topic from .NET code: an async face over a <see cref="ProducerActor"/>. At most
/// <see cref="ProducerOptions.Window"/> messages are unconfirmed at once; a caller beyond that
/// waits (back-pressure), so memory stays bounded when the cluster is slow or away.
/// </summary>
public sealed class QueueProducer : IAsyncDisposable
{
    private readonly IActorRef _producer;
    private readonly SemaphoreSlim _window;
    private readonly int _windowSize;

    private QueueProducer(IActorRef producer, int window)
    {
        _producer = producer;
        _windowSize = window;
        _window = new SemaphoreSlim(window, window);
    }

    /// <param name="topics">Where topic commands go: a shard region proxy (member) or the gateway (see <see cref="GatewayClient.Topics"/>).</param>
    public static QueueProducer Create(ActorSystem system, IActorRef topics, string topic, ProducerOptions? options = null)
    {
        options ??= new ProducerOptions();
        options.Validate();
        return new QueueProducer(system.ActorOf(ProducerActor.Props(topics, topic, options)), options.Window);
    }

    /// <summary>Messages accepted and not yet confirmed or refused.</summary>
    public int Unconfirmed => _windowSize - _window.CurrentCount;

    /// <summary>Publishes one message and returns its sequence number in the topic once it is durable.</summary>
    /// <remarks>
    /// While the window has room, the call takes no async step of its own: the task returned is the
    /// message's, which the producer actor completes. At thousands of publishes a second each
    /// layer of async wrappers was garbage and a thread-pool hop per message.
    /// </remarks>
    /// <exception cref="PublishRejectedException">The topic refused it; the code says why.</exception>
    /// <exception cref="TimeoutException">No confirmation within the publish timeout; it may or may not be stored.</exception>
    public Task<long> PublishAsync(
        byte[] payload,
        IReadOnlyDictionary<string, string>? headers = null,
        string? messageId = null,
        TimeSpan? ttl = null,
        TimeSpan? delay = null,
        CancellationToken cancellationToken = default)
    {
        var message = new ProducerMessage(payload, headers, messageId, ttl, delay);
        if (!_window.Wait(0, CancellationToken.None))
        {
            return PublishWhenRoomAsync(message, cancellationToken);
        }

        Send([message]);
        return message.Completion.Task;
    }

    /// <summary>Publishes messages together; returns their sequence numbers in order, or throws the first refusal.</summary>
    public async Task<IReadOnlyList<long>> PublishBatchAsync(IReadOnlyList<ProducerMessage> messages, CancellationToken cancellationToken = default)
    {
        if (messages.Count > _windowSize)
        {
            throw new ArgumentException($"a batch of {messages.Count} is larger than the producer's window of {_windowSize}", nameof(messages));
        }

        Take(messages);
        try
        {
            await EnterAsync(messages.Count, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            GiveBack(messages, messages.Count);
            throw;
        }

        Send(messages);
        return await Task.WhenAll(messages.Select(m => m.Completion.Task));
    }

    public async ValueTask DisposeAsync()
    {
        await _producer.GracefulStop(TimeSpan.FromSeconds(5));
        _window.Dispose();
    }

    private async Task<long> PublishWhenRoomAsync(ProducerMessage message, CancellationToken cancellationToken)
    {
        await _window.WaitAsync(cancellationToken);
        Send([message]);
        return await message.Completion.Task;
    }

    /// <summary>Marks every message as published, or none: a message already published (here or in another call) is refused.</summary>
    private static void Take(IReadOnlyList<ProducerMessage> messages)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            if (!messages[i].TryTake())
            {
                GiveBack(messages, i);
                throw new ArgumentException($"message {i} of the batch was already published; a {nameof(ProducerMessage)} is published once", nameof(messages));
            }
        }
    }

    private static void GiveBack(IReadOnlyList<ProducerMessage> messages, int count)
    {
        for (var i = 0; i < count; i++)
        {
            messages[i].GiveBack();
        }
    }

    /// <summary>Takes <paramref name="count"/> permits of the window, waiting for room; on cancellation gives back those taken.</summary>
    private async Task EnterAsync(int count, CancellationToken cancellationToken)
    {
        var entered = 0;
        try
        {
            for (; entered < count; entered++)
            {
                await _window.WaitAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (entered > 0)
        {
            _window.Release(entered);
            throw;
        }
    }

    /// <summary>Hands messages holding a permit each to the actor, which gives each permit back as its message settles.</summary>
    private void Send(IReadOnlyList<ProducerMessage> messages)
    {
        foreach (var message in messages)
        {
            message.HoldWindow(_window);
        }

        _producer.Tell(new ProducerActor.Send(messages));
    }
}
