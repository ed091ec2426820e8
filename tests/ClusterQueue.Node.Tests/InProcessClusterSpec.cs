using ClusterQueue.Node.Hosting;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.TestSupport;

namespace ClusterQueue.Node.Tests;

/// <summary>Three nodes built by the node's own composition root, in one process.</summary>
[Collection(ClusterNodesTests.Name)]
public sealed class InProcessClusterSpec : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dataRoot = Directory.CreateTempSubdirectory("cq-inprocess-").FullName;
    private readonly List<InProcessNode> _nodes = [];

    public async Task InitializeAsync()
    {
        var ports = FreePorts.Take(6);
        for (var i = 0; i < 3; i++)
        {
            _nodes.Add(await InProcessNode.StartAsync(ports[i], ports[i + 3], ports.Take(3), Path.Combine(_dataRoot, $"node-{i}")));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        Directory.Delete(_dataRoot, recursive: true);
    }

    [Fact]
    public async Task Three_nodes_form_one_cluster_and_two_stay_Up_when_one_leaves_gracefully()
    {
        await Eventually.Holds("every node sees three Up members", () => _nodes.All(n => n.SeesOnlyUp(3)), Timeout);
        var leaving = _nodes[2];
        var leavingAddress = leaving.Cluster.SelfAddress;

        await leaving.StopAsync();

        await Eventually.Holds(
            "the two remaining nodes see only each other, Up", () => _nodes.Take(2).All(n => n.SeesOnlyUp(2)), Timeout);
        Assert.All(_nodes.Take(2), n => Assert.DoesNotContain(n.Cluster.State.Members, m => m.Address == leavingAddress));
        Assert.True(leaving.System.WhenTerminated.IsCompleted, "the node that left has terminated its ActorSystem");
        Assert.False(NodeHost.WasDowned(leaving.System), "the node left gracefully rather than being downed");
    }
}
