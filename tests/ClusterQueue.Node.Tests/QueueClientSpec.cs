using System.Text;
using Akka.Hosting;
using ClusterQueue.Client;
using ClusterQueue.Client.Consuming;
using ClusterQueue.Client.Hosting;
using ClusterQueue.Client.Producing;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClusterQueue.Node.Tests;

/// <summary>The async client, in both connection modes, against two broker nodes.</summary>
[Collection(ClusterNodesTests.Name)]
public sealed class QueueClientSpec : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = BrokersAndClient.Timeout;
    private BrokersAndClient _cluster = null!;

    public async Task InitializeAsync() => _cluster = await BrokersAndClient.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_member_client_registered_through_DI_publishes_and_consumes_with_explicit_acks_and_a_nack_with_a_delay()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ClusterQueue:Mode"] = "Member",
            ["ClusterQueue:ContactPoints"] = string.Join(",", _cluster.ContactPoints),
            ["ClusterQueue:Hocon"] = File.ReadAllText(NodeProcess.TestingConfig),
        });
        builder.Services
            .AddClusterQueueClient(builder.Configuration.GetSection(QueueClientOptions.SectionName))
            .AddAkka(QueueClientHostingExtensions.ActorSystemName, (akka, services) => akka.WithClusterQueueClient(services));
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<QueueClient>();

        var seqs = await client.PublishBatchAsync("invoices", [.. Enumerable.Range(1, 5).Select(n => new ProducerMessage(Encoding.UTF8.GetBytes($"invoice {n}"), null, null, null, null))]);
        Assert.Equal([1L, 2, 3, 4, 5], seqs);
        var refused = await Assert.ThrowsAsync<PublishRejectedException>(() => client.PublishAsync("invoices", new byte[TopicSettings.Default.MaxPayloadBytes + 1]));
        Assert.Equal(ErrorCode.PayloadTooLarge, refused.Code);

        var received = new List<(string Text, int Attempt)>();
        var sinceNack = new System.Diagnostics.Stopwatch();
        using var enough = new CancellationTokenSource(Timeout);
        await foreach (var message in client.ConsumeAsync("invoices", "accounting", new ConsumerOptions { StartAt = StartPosition.Earliest }, enough.Token))
        {
            var text = Encoding.UTF8.GetString(message.Payload);
            received.Add((text, message.Attempt));
            if (text == "invoice 3" && message.Attempt == 1)
            {
                message.Nack(TimeSpan.FromSeconds(2));
                sinceNack.Start();
                continue;
            }

            if (message.Attempt == 2)
            {
                sinceNack.Stop();
            }

            message.Ack();
            if (received.Count == 6)
            {
                break;
            }
        }

        Assert.Equal(["invoice 1", "invoice 2", "invoice 3", "invoice 4", "invoice 5", "invoice 3"], received.Select(r => r.Text));
        Assert.Equal(2, received[^1].Attempt);
        Assert.True(sinceNack.Elapsed >= TimeSpan.FromSeconds(1.9), $"redelivered {sinceNack.Elapsed} after the nack that asked for 2 s");
        await Eventually.Holds(
            "every invoice is acked",
            async () => await client.RequestAsync(new GetTopicStats("invoices")) is TopicStats { Pending: 0 },
            Timeout);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_gateway_client_receives_what_a_member_client_publishes_and_a_refused_subscription_names_its_code()
    {
        await using var member = await QueueClient.ConnectAsync(new QueueClientOptions
        {
            Mode = ConnectionMode.Member,
            ContactPoints = _cluster.ContactPoints,
            Hocon = File.ReadAllText(NodeProcess.TestingConfig),
            RequestTimeout = Timeout,
        });
        await using var gateway = await QueueClient.ConnectAsync(new QueueClientOptions { ContactPoints = _cluster.ContactPoints, RequestTimeout = Timeout });
        var received = new TaskCompletionSource<ConsumedMessage>();
        await using (await gateway.SubscribeAsync("greetings", "readers", (message, _) =>
        {
            received.TrySetResult(message);
            return Task.CompletedTask;
        }))
        {
            var seq = await member.PublishAsync("greetings", "hello, world"u8.ToArray(), headers: new Dictionary<string, string> { ["lang"] = "en" });

            var message = await received.Task.WaitAsync(Timeout);
            Assert.Equal(seq, message.Message.SequenceNr);
            Assert.Equal("hello, world", Encoding.UTF8.GetString(message.Message.Payload));
            Assert.Equal("en", message.Message.Headers["lang"]);
        }

        var refused = await Assert.ThrowsAsync<SubscriptionRejectedException>(() =>
            gateway.SubscribeAsync("greetings", "readers", (_, _) => Task.CompletedTask, new ConsumerOptions { ConsumerId = new string('c', TopicNames.MaxClientIdLength + 1) }));
        Assert.Equal(ErrorCode.InvalidClientId, refused.Code);
        await Assert.ThrowsAsync<ArgumentException>(() => gateway.PublishAsync("no spaces allowed", [1]));
    }
}
