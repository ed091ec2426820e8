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
    /// <exception cref="PublishRejectedException">The topic refused it; the code says why.</exception>
    /// <exception cref="TimeoutException">No confirmation within the publish timeout; it may or may not be stored.</exception>
    public async Task<long> PublishAsync(
        byte[] payload,
        IReadOnlyDictionary<string, string>? headers = null,
        string? messageId = null,
        TimeSpan? ttl = null,
        TimeSpan? delay = null,
        CancellationToken cancellationToken = default) =>
        (await PublishBatchAsync([new ProducerMessage(payload, headers, messageId, ttl, delay)], cancellationToken))[0];

    /// <summary>Publishes messages together; returns their sequence numbers in order, or throws the first refusal.</summary>
    public async Task<IReadOnlyList<long>> PublishBatchAsync(IReadOnlyList<ProducerMessage> messages, CancellationToken cancellationToken = default)
    {
        if (messages.Count > _windowSize)
        {
            throw new ArgumentException($"a batch of {messages.Count} is larger than the producer's window of {_windowSize}", nameof(messages));
        }

        var entered = 0;
        try
        {
            for (; entered < messages.Count; entered++)
            {
                await _window.WaitAsync(cancellationToken);
            }

            _producer.Tell(new ProducerActor.Send(messages));
            return await Task.WhenAll(messages.Select(m => m.Completion.Task));
        }
        finally
        {
            if (entered > 0)
            {
                _window.Release(entered);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _producer.GracefulStop(TimeSpan.FromSeconds(5));
        _window.Dispose();
    }
}
