using ClusterQueue.Node.Hosting;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.TestSupport;
using Xunit.Abstractions;

namespace ClusterQueue.Node.Tests;

/// <summary>The real node executable as three OS processes on loopback ports chosen at run time.</summary>
[Collection(ClusterNodesTests.Name)]
public sealed class NodeProcessClusterSpec(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dataRoot = Directory.CreateTempSubdirectory("cq-processes-").FullName;
    private readonly List<NodeProcess> _started = [];

    private NodeProcess Start(int index, IReadOnlyList<int> ports, params string[] args)
    {
        var node = NodeProcess.Start(
            ports[index], ports[index + 3], ports.Take(3), Path.Combine(_dataRoot, $"node-{index}"), args);
        _started.Add(node);
        return node;
    }

    private string Logs() => string.Join(
        Environment.NewLine,
        _started.Select(n => $"--- node on port {n.Port} ---{Environment.NewLine}{n.Output}"));

    public void Dispose()
    {
        foreach (var node in _started)
        {
            node.Dispose();
        }

        output.WriteLine(Logs());
        Directory.Delete(_dataRoot, recursive: true);
    }

    [Fact]
    public async Task Survivors_stay_Up_when_the_first_seed_is_killed_and_the_restarted_seed_rejoins_the_same_cluster()
    {
        var ports = FreePorts.Take(6);
        var remotingPorts = ports.Take(3).ToList();

        // A non-first seed started alone keeps trying and does not form a cluster of its own.
        var third = Start(2, ports);
        await Eventually.Holds("the lone third seed answers live", third.Http.IsLive, Timeout, Logs);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(await third.Http.IsReady(), "a node with no seed up yet must not be ready");

        var first = Start(0, ports);
        var second = Start(1, ports);
        var nodes = new[] { first, second, third };
        await Eventually.Holds(
            "every node sees the same three Up members",
            async () => (await Task.WhenAll(nodes.Select(n => n.Http.SeesExactlyUp(remotingPorts)))).All(x => x),
            Timeout,
            Logs);
        Assert.All(await Task.WhenAll(nodes.Select(n => n.Http.IsReady())), Assert.True);

        first.Kill();

        var survivors = new[] { second, third };
        var survivorPorts = remotingPorts.Skip(1).ToList();
        await Eventually.Holds(
            "the survivors down and remove the killed seed and stay Up",
            async () => (await Task.WhenAll(survivors.Select(n => n.Http.SeesExactlyUp(survivorPorts)))).All(x => x),
            Timeout,
            Logs);
        Assert.All(await Task.WhenAll(survivors.Select(n => n.Http.IsLive())), Assert.True);
        Assert.All(await Task.WhenAll(survivors.Select(n => n.Http.IsReady())), Assert.True);
        Assert.Null(await first.Http.StatusOf(NodeEndpoints.LivePath));

        // The survivors answer the restarted seed later than the seed-node-timeout the others use
        // (2 s), as on a loaded machine: it must wait for them rather than form a second cluster.
        foreach (var survivor in survivors)
        {
            survivor.Pause();
        }

        var restarted = Start(0, ports);
        await Eventually.Holds("the restarted seed answers live", restarted.Http.IsLive, Timeout, Logs);
        await Task.Delay(TimeSpan.FromSeconds(3));
        foreach (var survivor in survivors)
        {
            survivor.Resume();
        }

        Assert.DoesNotContain("forming a new cluster", restarted.Output, StringComparison.Ordinal);
        nodes = [restarted, second, third];
        await Eventually.Holds(
            "the restarted seed joins the running cluster: all three see the same three Up members",
            async () => (await Task.WhenAll(nodes.Select(n => n.Http.SeesExactlyUp(remotingPorts)))).All(x => x),
            Timeout,
            Logs);
        Assert.True(await restarted.Http.IsReady());
        var leader = (await second.Http.Members())!.Leader;
        Assert.Equal(leader, (await restarted.Http.Members())!.Leader);

        // SIGTERM runs coordinated shutdown: the node leaves, the others see it gone, it exits 0.
        third.Terminate();
        Assert.Equal(0, await third.ExitCode(Timeout));
        var remaining = new[] { restarted, second };
        var remainingPorts = remotingPorts.Take(2).ToList();
        await Eventually.Holds(
            "the two remaining nodes see the terminated node gone",
            async () => (await Task.WhenAll(remaining.Select(n => n.Http.SeesExactlyUp(remainingPorts)))).All(x => x),
            Timeout,
            Logs);
        Assert.Contains("Exiting completed", third.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_log_line_carries_the_node_address()
    {
        var ports = FreePorts.Take(6);
        var node = Start(0, ports, "--seeds", $"127.0.0.1:{ports[0]}");
        await Eventually.Holds("the single-seed node is ready", node.Http.IsReady, Timeout, Logs);

        node.Terminate();
        Assert.Equal(0, await node.ExitCode(Timeout));

        var lines = node.Output.Split(Environment.NewLine).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Contains($"[127.0.0.1:{ports[0]}] ", l, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--port", "70000", "ClusterQueue.Node: invalid configuration: CQ_PORT (--port): '70000' is not a port number (0-65535)")]
    [InlineData("--roles", "queue", "ClusterQueue.Node: invalid configuration: CQ_ROLES (--roles): unknown role 'queue'; known roles: broker, client")]
    public async Task A_bad_value_stops_the_node_with_one_line_naming_it_and_exit_code_2(string option, string value, string error)
    {
        var ports = FreePorts.Take(6);
        var node = Start(0, ports, option, value);

        Assert.Equal(2, await node.ExitCode(Timeout));
        Assert.Equal(error, node.Output.Trim());
    }
}
