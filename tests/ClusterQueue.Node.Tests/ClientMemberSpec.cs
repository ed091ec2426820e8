using System.Text;
using Akka.Actor;
using Akka.Hosting;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;
using Microsoft.Data.Sqlite;

namespace ClusterQueue.Node.Tests;

/// <summary>A member with role client: it reaches topics through a proxy and hosts none.</summary>
[Collection(ClusterNodesTests.Name)]
public sealed class ClientMemberSpec : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("cq-client-member-").FullName;
    private InProcessNode _broker = null!;
    private InProcessNode _client = null!;

    public async Task InitializeAsync()
    {
        var ports = FreePorts.Take(4);
        _broker = await InProcessNode.StartAsync(ports[0], ports[1], [ports[0]], Path.Combine(_dataDir, "broker"));
        _client = await InProcessNode.StartAsync(ports[2], ports[3], [ports[0]], Path.Combine(_dataDir, "client"), roles: "client");
        await Eventually.Holds("both members are Up", () => _broker.SeesOnlyUp(2) && _client.SeesOnlyUp(2), Timeout);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _broker.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task A_client_member_publishes_through_its_proxy_and_hosts_no_topic_files()
    {
        var proxy = ActorRegistry.For(_client.System).Get<TopicRegion>();

        var result = await proxy.Ask<PublishResult>(
            new Publish("orders", "p1", [new OutgoingMessage(1, Encoding.UTF8.GetBytes("a"))]), Timeout);

        Assert.Equal([PublishOutcome.Stored(1, 1)], result.Outcomes);
        var clientDir = Path.Combine(_dataDir, "client");
        Assert.False(Directory.Exists(clientDir) && Directory.GetFiles(clientDir, "shard-*.db").Length > 0);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_dataDir, "broker"), "shard-*.db"));
    }
}
