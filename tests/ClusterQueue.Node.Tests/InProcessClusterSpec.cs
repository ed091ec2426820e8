using Akka.Actor;
using Akka.Cluster;
using ClusterQueue.Node.Configuration;
using ClusterQueue.Node.Hosting;
using ClusterQueue.Node.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterQueue.Node.Tests;

/// <summary>Three nodes built by the node's own composition root, in one process.</summary>
[Collection(ClusterNodesTests.Name)]
public sealed class InProcessClusterSpec : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dataRoot = Directory.CreateTempSubdirectory("cq-inprocess-").FullName;
    private readonly List<WebApplication> _nodes = [];

    public async Task InitializeAsync()
    {
        var ports = FreePorts.Take(6);
        var seeds = string.Join(",", ports.Take(3).Select(p => $"127.0.0.1:{p}"));
        for (var i = 0; i < 3; i++)
        {
            var options = NodeOptions.Parse(
                new Dictionary<string, string?>
                {
                    ["CQ_PORT"] = ports[i].ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["CQ_HTTP_PORT"] = ports[i + 3].ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["CQ_SEEDS"] = seeds,
                    ["CQ_DATA_DIR"] = Path.Combine(_dataRoot, $"node-{i}"),
                    ["CQ_CONFIG"] = NodeProcess.TestingConfig,
                },
                [],
                _dataRoot,
                AppContext.BaseDirectory);
            var node = NodeHost.Build(options, NodeHocon.Load(options));
            _nodes.Add(node);
            await node.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.StopAsync();
            await node.DisposeAsync();
        }

        Directory.Delete(_dataRoot, recursive: true);
    }

    private static Cluster ClusterOf(WebApplication node) => Cluster.Get(node.Services.GetRequiredService<ActorSystem>());

    private static bool SeesOnlyUp(WebApplication node, int count)
    {
        var state = ClusterOf(node).State;
        return state.Members.Count == count && state.Members.All(m => m.Status == MemberStatus.Up) && state.Unreachable.Count == 0;
    }

    [Fact]
    public async Task Three_nodes_form_one_cluster_and_two_stay_Up_when_one_leaves_gracefully()
    {
        await Eventually.Holds(
            "every node sees three Up members", () => _nodes.All(n => SeesOnlyUp(n, 3)), Timeout);
        var leaving = _nodes[2];
        var leavingAddress = ClusterOf(leaving).SelfAddress;

        await leaving.StopAsync();

        await Eventually.Holds(
            "the two remaining nodes see only each other, Up", () => _nodes.Take(2).All(n => SeesOnlyUp(n, 2)), Timeout);
        Assert.All(_nodes.Take(2), n => Assert.DoesNotContain(ClusterOf(n).State.Members, m => m.Address == leavingAddress));
        var leftSystem = leaving.Services.GetRequiredService<ActorSystem>();
        Assert.True(leftSystem.WhenTerminated.IsCompleted, "the node that left has terminated its ActorSystem");
        Assert.False(NodeHost.WasDowned(leftSystem), "the node left gracefully rather than being downed");
    }
}
