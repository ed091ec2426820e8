using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using ClusterQueue.Client.Consuming;
using ClusterQueue.Client.Producing;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Membership;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client;

/// <summary>
/// Publishes to and consumes from a ClusterQueue cluster, as a member or through the gateway
/// (<see cref="QueueClientOptions.Mode"/>); the API is the same. Thread-safe; one per application.
/// Get one from <see cref="ConnectAsync"/>, or from DI after <c>services.AddClusterQueueClient</c>.
/// </summary>
public sealed class QueueClient : IAsyncDisposable
{
    private readonly Lazy<Task<Connection>> _connection;
    private readonly QueueClientOptions _options;
    private readonly bool _ownsSystem;
    private readonly ConcurrentDictionary<string, Lazy<Task<QueueProducer>>> _producers = new(StringComparer.Ordinal);

    /// <summary>The topics deduplicate on (producer id, number): this client's producers number from 1 under an id of their own.</summary>
    private readonly string _producerId = $"{Environment.MachineName}-{Guid.NewGuid():N}";

    internal QueueClient(Func<Task<Connection>> connect, QueueClientOptions options, bool ownsSystem)
    {
        _connection = new Lazy<Task<Connection>>(connect);
        _options = options;
        _ownsSystem = ownsSystem;
    }

    /// <summary>
    /// Starts a client with an actor system of its own and waits until the cluster answers: in
    /// member mode until this client is Up, in gateway mode until a broker's gateway replies.
    /// </summary>
    /// <exception cref="ArgumentException">The options cannot work; the message names the option.</exception>
    /// <exception cref="ClusterUnreachableException">The cluster did not answer within the request timeout.</exception>
    public static async Task<QueueClient> ConnectAsync(QueueClientOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var name = options.Mode == ConnectionMode.Member ? ClusterNames.ActorSystem : "cq-client";
        var system = ActorSystem.Create(name, ClientHocon.For(options));
        try
        {
            var connection = new Connection(system, ClusterQueueTopics.Start(system, options));
            await WaitUntilConnectedAsync(connection, options, cancellationToken);
            return new QueueClient(() => Task.FromResult(connection), options, ownsSystem: true);
        }
        catch
        {
            await system.Terminate();
            throw;
        }
    }

    /// <summary>Publishes one message; returns its sequence number in the topic once it is durable.</summary>
    /// <exception cref="PublishRejectedException">The topic refused it; <see cref="PublishRejectedException.Code"/> says why.</exception>
    /// <exception cref="TimeoutException">Not confirmed within the producer's publish timeout; it may or may not be stored.</exception>
    public Task<long> PublishAsync(
        string topic,
        byte[] payload,
        IReadOnlyDictionary<string, string>? headers = null,
        string? messageId = null,
        TimeSpan? ttl = null,
        TimeSpan? delay = null,
        CancellationToken cancellationToken = default)
    {
        Task<QueueProducer> producer;
        try
        {
            producer = ProducerOf(topic);
        }
        catch (ArgumentException e)
        {
            return Task.FromException<long>(e);
        }

        // Once the topic's producer exists (every publish but the first), no async step of its own.
        return producer.IsCompletedSuccessfully
            ? producer.Result.PublishAsync(payload, headers, messageId, ttl, delay, cancellationToken)
            : PublishWhenCreatedAsync(producer, payload, headers, messageId, ttl, delay, cancellationToken);
    }

    /// <summary>Publishes messages together; returns their sequence numbers in order, or throws the first refusal.</summary>
    public async Task<IReadOnlyList<long>> PublishBatchAsync(string topic, IReadOnlyList<ProducerMessage> messages, CancellationToken cancellationToken = default) =>
        await (await ProducerOf(topic)).PublishBatchAsync(messages, cancellationToken);

    /// <summary>
    /// Runs <paramref name="handler"/> for every message of the topic the group gets, once the topic
    /// confirmed the subscription. A handler that returns acks its message; one that throws nacks it
    /// (delivered again; to the dead-letter topic after the topic's max deliveries; throw
    /// <see cref="RedeliverLaterException"/> to choose the delay). Disposing the subscription hands
    /// what was not acked back to the group.
    /// </summary>
    /// <exception cref="SubscriptionRejectedException">The topic refused the subscription; the code says why.</exception>
    /// <exception cref="ClusterUnreachableException">The topic did not confirm within the request timeout.</exception>
    public Task<IAsyncDisposable> SubscribeAsync(
        string topic,
        string group,
        Func<ConsumedMessage, CancellationToken, Task> handler,
        ConsumerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new ConsumerOptions();
        return SubscribeAsync(
            topic,
            group,
            options,
            (topics, subscribed) => ConsumerActor.Props(topics, topic, group, options, handler, subscribed),
            cancellationToken);
    }

    /// <summary>
    /// The messages the group gets from the topic, in the order they arrive; each stays leased to this
    /// consumer until it is acked or nacked (<see cref="ReceivedMessage.Ack"/>,
    /// <see cref="ReceivedMessage.Nack"/>). At most <see cref="ConsumerOptions.Credit"/> are
    /// unacked at once. Ending the enumeration hands what was not acked back to the group.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled, or the client is shutting down (the process is stopping).</exception>
    public async IAsyncEnumerable<ReceivedMessage> ConsumeAsync(
        string topic,
        string group,
        ConsumerOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The caller may hold every message the credit lets the topic lease to this consumer.
        var given = options ?? new ConsumerOptions();
        var holding = given with { MaxConcurrency = given.Credit };

        // At most the credit's worth of messages is leased to this consumer, so at most that many wait here.
        var arrived = Channel.CreateUnbounded<ReceivedMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        await using var subscription = await SubscribeAsync(
            topic,
            group,
            holding,
            (topics, subscribed) => ConsumerActor.PropsForCaller(topics, topic, group, holding, arrived.Writer, subscribed),
            cancellationToken);
        while (await arrived.Reader.WaitToReadAsync(cancellationToken))
        {
            while (arrived.Reader.TryRead(out var received))
            {
                yield return received;
            }
        }
    }

    /// <param name="consumer">The consumer actor's props, given where topic commands go and what to complete once subscribed.</param>
    private async Task<IAsyncDisposable> SubscribeAsync(
        string topic,
        string group,
        ConsumerOptions options,
        Func<IActorRef, TaskCompletionSource, Props> consumer,
        CancellationToken cancellationToken)
    {
        RefuseBadName(TopicNames.ValidateTopic(topic), nameof(topic));
        RefuseBadName(TopicNames.ValidateGroup(group), nameof(group));
        options.Validate();
        var connection = await _connection.Value;
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = new QueueConsumer(connection.System.ActorOf(consumer(connection.Topics, subscribed)));
        try
        {
            await subscribed.Task.WaitAsync(_options.RequestTimeout, cancellationToken);
            return subscription;
        }
        catch (Exception e)
        {
            await subscription.DisposeAsync();
            if (e is TimeoutException)
            {
                throw new ClusterUnreachableException(_options.ContactPoints, _options.RequestTimeout);
            }

            throw;
        }
    }

    /// <summary>
    /// Sends a topic command (stats, peek, configure, ...) and returns the topic's answer: the
    /// command's reply, or a <see cref="TopicError"/> naming why it was refused.
    /// </summary>
    /// <exception cref="ClusterUnreachableException">No answer within the request timeout.</exception>
    public async Task<IClusterQueueMessage> RequestAsync(ITopicCommand command, CancellationToken cancellationToken = default)
    {
        RefuseBadName(TopicNames.ValidateTopic(command.Topic), nameof(command));
        return await AskAsync(await _connection.Value, command, _options, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var producer in _producers.Values.Where(p => p.IsValueCreated))
        {
            if (producer.Value.IsCompletedSuccessfully)
            {
                await producer.Value.Result.DisposeAsync();
            }
        }

        if (_ownsSystem && _connection.IsValueCreated)
        {
            var system = (await _connection.Value).System;
            // A member leaves the cluster gracefully rather than waiting to be downed.
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        }
    }

    private static async Task<long> PublishWhenCreatedAsync(
        Task<QueueProducer> producer,
        byte[] payload,
        IReadOnlyDictionary<string, string>? headers,
        string? messageId,
        TimeSpan? ttl,
        TimeSpan? delay,
        CancellationToken cancellationToken) =>
        await (await producer).PublishAsync(payload, headers, messageId, ttl, delay, cancellationToken);

    private Task<QueueProducer> ProducerOf(string topic)
    {
        RefuseBadName(TopicNames.ValidateTopic(topic), nameof(topic));
        return _producers.GetOrAdd(topic, t => new Lazy<Task<QueueProducer>>(async () =>
        {
            var connection = await _connection.Value;
            return QueueProducer.Create(connection.System, connection.Topics, t, _options.Producer with { ProducerId = _producerId });
        })).Value;
    }

    private static void RefuseBadName(string? problem, string parameter)
    {
        if (problem is not null)
        {
            throw new ArgumentException(problem, parameter);
        }
    }

    private static async Task WaitUntilConnectedAsync(Connection connection, QueueClientOptions options, CancellationToken cancellationToken)
    {
        if (options.Mode == ConnectionMode.Gateway)
        {
            await AskAsync(connection, GetClusterMembers.Instance, options, cancellationToken);
            return;
        }

        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Cluster.Get(connection.System).RegisterOnMemberUp(() => up.TrySetResult());
        try
        {
            await up.Task.WaitAsync(options.RequestTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new ClusterUnreachableException(options.ContactPoints, options.RequestTimeout);
        }
    }

    private static async Task<IClusterQueueMessage> AskAsync(Connection connection, IClusterQueueMessage request, QueueClientOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.Topics.Ask<IClusterQueueMessage>(request, options.RequestTimeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            throw new ClusterUnreachableException(options.ContactPoints, options.RequestTimeout);
        }
    }

    /// <summary>The actor system the client runs in and where its topic commands go.</summary>
    internal sealed record Connection(ActorSystem System, IActorRef Topics);
}
