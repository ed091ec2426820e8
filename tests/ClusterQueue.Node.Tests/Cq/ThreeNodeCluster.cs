using ClusterQueue.Client;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;

namespace ClusterQueue.Node.Tests.Cq;

/// <summary>cq's read-only commands share one cluster; it runs alone, as every test that starts nodes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CqReadOnlyTests : ICollectionFixture<ThreeNodeCluster>
{
    public const string Name = "cq against a shared cluster";
}

/// <summary>Three node processes with a few topics that hold messages.</summary>
public sealed class ThreeNodeCluster : IAsyncLifetime
{
    public const int TopicCount = 6;

    private readonly string _dataRoot = Directory.CreateTempSubdirectory("cq-shared-").FullName;
    private readonly List<NodeProcess> _nodes = [];

    public IReadOnlyList<int> Ports { get; private set; } = [];

    public IReadOnlyList<NodeProcess> Nodes => _nodes;

    public string Contact => $"127.0.0.1:{Ports[0]}";

    public IEnumerable<string> Members => Ports.Take(3).Select(p => $"akka.tcp://ClusterQueue@127.0.0.1:{p}");

    /// <summary>A topic with one dead letter (group billing, max deliveries 1).</summary>
    public const string PoisonTopic = "cq-poison";

    public static IEnumerable<string> Topics => Enumerable.Range(1, TopicCount).Select(i => $"cq-topic-{i}");

    public async Task InitializeAsync()
    {
        Ports = FreePorts.Take(6);
        for (var i = 0; i < 3; i++)
        {
            _nodes.Add(NodeProcess.Start(Ports[i], Ports[i + 3], Ports.Take(3), Path.Combine(_dataRoot, $"node-{i}")));
        }

        await Eventually.Holds(
            "three members Up",
            async () => (await Task.WhenAll(_nodes.Select(n => n.Http.SeesExactlyUp(Ports.Take(3))))).All(x => x),
            TimeSpan.FromSeconds(60),
            () => string.Join(Environment.NewLine, _nodes.Select(n => n.Output)));

        await using var client = GatewayClient.Connect(new GatewayClientOptions { ContactPoints = [ContactPoint.Parse(Contact)], RequestTimeout = TimeSpan.FromSeconds(20) });
        foreach (var topic in Topics)
        {
            var answer = await client.RequestAsync(new Publish(topic, "cq-fixture", [new OutgoingMessage(1, "hello"u8.ToArray())]));
            Assert.IsType<PublishResult>(answer);
        }

        await MakeDeadLetterAsync();
    }

    /// <summary>A message its consumer always fails, dead-lettered after its one allowed delivery.</summary>
    private async Task MakeDeadLetterAsync()
    {
        await using var client = await QueueClient.ConnectAsync(new QueueClientOptions { ContactPoints = [ContactPoint.Parse(Contact)], RequestTimeout = TimeSpan.FromSeconds(20) });
        Assert.IsType<TopicConfigured>(await client.RequestAsync(new ConfigureTopic(PoisonTopic, TopicSettings.Default with { MaxDeliveries = 1 })));
        await using (await client.SubscribeAsync(PoisonTopic, "billing", (_, _) => throw new InvalidOperationException("cannot bill this")))
        {
            await client.PublishAsync(PoisonTopic, "poison"u8.ToArray());
            await Eventually.Holds(
                "the poison message is dead-lettered",
                async () => await client.RequestAsync(new Peek(TopicNames.DeadLetterTopicOf(PoisonTopic), 10)) is PeekResult { Messages.Count: 1 },
                TimeSpan.FromSeconds(30));
        }
    }

    public Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        Directory.Delete(_dataRoot, recursive: true);
        return Task.CompletedTask;
    }
}
