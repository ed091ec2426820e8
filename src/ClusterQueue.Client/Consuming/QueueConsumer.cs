using Akka.Actor;

namespace ClusterQueue.Client.Consuming;

/// <summary>
/// A handler subscribed to a topic and group, from .NET code: an async face over a
/// <see cref="ConsumerActor"/>. A handler that returns acks its message; one that throws nacks it
/// (delivered again, to the dead-letter topic after the topic's max deliveries). Disposing it
/// unsubscribes, handing unacked messages back to the group.
/// </summary>
public sealed class QueueConsumer : IAsyncDisposable
{
    private readonly IActorRef _consumer;

    internal QueueConsumer(IActorRef consumer) => _consumer = consumer;

    /// <param name="topics">Where topic commands go: a shard region proxy (member) or the gateway (<see cref="GatewayClient.Topics"/>).</param>
    public static QueueConsumer Subscribe(
        ActorSystem system,
        IActorRef topics,
        string topic,
        string group,
        Func<ConsumedMessage, CancellationToken, Task> handler,
        ConsumerOptions? options = null)
    {
        options ??= new ConsumerOptions();
        options.Validate();
        return new QueueConsumer(system.ActorOf(ConsumerActor.Props(topics, topic, group, options, handler)));
    }

    /// <summary>Leaves the group once the topic confirms it (a few seconds at most), then stops the consumer.</summary>
    public async ValueTask DisposeAsync() => await _consumer.GracefulStop(TimeSpan.FromSeconds(5), StopConsuming.Instance);
}
