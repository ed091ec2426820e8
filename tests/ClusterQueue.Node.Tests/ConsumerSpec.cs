using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using ClusterQueue.Client;
using ClusterQueue.Client.Consuming;
using ClusterQueue.Client.Producing;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;

namespace ClusterQueue.Node.Tests;

/// <summary>The client's consumer: as a member against two broker nodes, and from outside through the gateway.</summary>
[Collection(ClusterNodesTests.Name)]
public sealed class ConsumerSpec : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = BrokersAndClient.Timeout;
    private BrokersAndClient _cluster = null!;

    public async Task InitializeAsync() => _cluster = await BrokersAndClient.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IActorRef Proxy => _cluster.Proxy;

    private ActorSystem ClientSystem => _cluster.Client.System;

    [Fact]
    public async Task A_consumer_acks_what_its_handler_handled_and_a_message_its_handler_throws_on_ends_in_the_dead_letter_topic()
    {
        await Proxy.Ask<TopicConfigured>(new ConfigureTopic("payments", TopicSettings.Default with { MaxDeliveries = 3 }), Timeout);
        var handled = new ConcurrentQueue<(string Text, int Attempt)>();
        await using var consumer = QueueConsumer.Subscribe(ClientSystem, Proxy, "payments", "billing", (message, _) =>
        {
            var text = Encoding.UTF8.GetString(message.Message.Payload);
            handled.Enqueue((text, message.Attempt));
            return text == "poison" ? throw new InvalidOperationException("cannot pay this") : Task.CompletedTask;
        }, new ConsumerOptions { StartAt = StartPosition.Earliest });
        await using var producer = QueueProducer.Create(ClientSystem, Proxy, "payments");

        await Task.WhenAll(Enumerable.Range(1, 20).Select(n => producer.PublishAsync(Encoding.UTF8.GetBytes(n == 7 ? "poison" : $"payment {n}"))));

        await Eventually.Holds(
            "every payment is handled and the topic is empty",
            async () => (await Proxy.Ask<TopicStats>(new GetTopicStats("payments"), Timeout)).Pending == 0,
            Timeout,
            () => string.Join(", ", handled));
        Assert.Equal(19, handled.Count(h => h.Text != "poison"));
        Assert.Equal([1, 2, 3], handled.Where(h => h.Text == "poison").Select(h => h.Attempt));
        var dead = await Eventually.Value(
            "the poison message reaches the dead-letter topic",
            async () => await Proxy.Ask<object>(new Peek("payments.dlq", 10), Timeout) is PeekResult { Messages.Count: 1 } peek ? peek : null,
            Timeout);
        Assert.Equal("poison", Encoding.UTF8.GetString(dead.Messages[0].Payload));
        Assert.Equal("MaxDeliveries", dead.Messages[0].Headers[DeadLetterHeaders.Reason]);
    }

    [Fact]
    public async Task A_consumer_outside_the_cluster_still_receives_after_idling_longer_than_the_gateway_tunnel_lives()
    {
        await using var gateway = await QueueClient.ConnectAsync(new QueueClientOptions { ContactPoints = _cluster.ContactPoints, RequestTimeout = Timeout });
        var received = new ConcurrentQueue<string>();
        await using var subscription = await gateway.SubscribeAsync("alerts", "pager", (message, _) =>
        {
            received.Enqueue(Encoding.UTF8.GetString(message.Message.Payload));
            return Task.CompletedTask;
        }, new ConsumerOptions { StartAt = StartPosition.Earliest, HeartbeatInterval = TimeSpan.FromSeconds(1), SilenceBeforeResubscribing = TimeSpan.FromSeconds(4) });
        await gateway.PublishAsync("alerts", "first"u8.ToArray());
        await Eventually.Holds("the first alert arrives", () => received.Contains("first"), Timeout);

        // testing.conf closes an idle response tunnel after 5 s (production: 30 s).
        await Task.Delay(TimeSpan.FromSeconds(12));
        await gateway.PublishAsync("alerts", "after idling"u8.ToArray());

        await Eventually.Holds("the alert sent after idling arrives", () => received.Contains("after idling"), Timeout, () => string.Join(", ", received));
    }
}
