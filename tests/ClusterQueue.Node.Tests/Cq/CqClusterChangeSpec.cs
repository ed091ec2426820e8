using ClusterQueue.Node.Tests.Support;
using ClusterQueue.TestSupport;
using Xunit.Abstractions;

namespace ClusterQueue.Node.Tests.Cq;

/// <summary>cq's commands that change the cluster, each against three node processes of its own.</summary>
[Collection(ClusterNodesTests.Name)]
public sealed class CqClusterChangeSpec(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dataRoot = Directory.CreateTempSubdirectory("cq-change-").FullName;
    private readonly List<NodeProcess> _nodes = [];
    private IReadOnlyList<int> _ports = [];

    private string Contact => $"127.0.0.1:{_ports[0]}";

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
            output.WriteLine($"--- node on port {node.Port} ---{Environment.NewLine}{node.Output}");
        }

        Directory.Delete(_dataRoot, recursive: true);
    }

    [Fact]
    public async Task Cluster_leave_needs_yes_then_the_member_hands_off_leaves_and_exits()
    {
        await StartThreeAsync();
        var third = $"127.0.0.1:{_ports[2]}";

        var refused = await CqProcess.RunAsync("cluster", "leave", third, "-c", Contact);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal($"cq: {third} will leave the cluster. Add --yes to confirm.{Environment.NewLine}", refused.Error);

        var (exitCode, text, error) = await CqProcess.RunAsync("cluster", "leave", third, "--yes", "-c", Contact);

        Assert.Equal((0, ""), (exitCode, error));
        Assert.Equal($"Leaving: akka.tcp://ClusterQueue@{third}{Environment.NewLine}", text);
        Assert.Equal(0, await _nodes[2].ExitCode(Timeout));
        await Eventually.Holds("two members remain", () => _nodes[0].Http.SeesExactlyUp(_ports.Take(2)), Timeout);
    }

    [Fact]
    public async Task Cluster_down_marks_a_member_down_and_it_exits_as_downed()
    {
        await StartThreeAsync();

        var (exitCode, text, _) = await CqProcess.RunAsync("cluster", "down", $"akka.tcp://ClusterQueue@127.0.0.1:{_ports[2]}", "-y", "-c", Contact);

        Assert.Equal(0, exitCode);
        Assert.Equal($"Downed: akka.tcp://ClusterQueue@127.0.0.1:{_ports[2]}{Environment.NewLine}", text);
        Assert.Equal(1, await _nodes[2].ExitCode(Timeout));
    }

    [Fact]
    public async Task Cluster_down_of_an_address_that_is_no_member_is_refused_naming_the_members()
    {
        await StartThreeAsync();

        var (exitCode, text, error) = await CqProcess.RunAsync("cluster", "down", "127.0.0.1:1", "--yes", "-c", Contact);

        Assert.Equal((3, ""), (exitCode, text));
        Assert.StartsWith("cq: akka.tcp://ClusterQueue@127.0.0.1:1 is not a member of this cluster; members: akka.tcp://ClusterQueue@127.0.0.1:", error, StringComparison.Ordinal);
        Assert.Single(error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Cluster_down_unreachable_downs_a_frozen_member_before_the_resolver_would()
    {
        // The split-brain resolver waits two minutes here, so only cq downs the frozen node.
        var config = Path.Combine(_dataRoot, "patient-resolver.conf");
        await File.WriteAllTextAsync(config, await File.ReadAllTextAsync(NodeProcess.TestingConfig) + "\nakka.cluster.split-brain-resolver.stable-after = 120s\n");
        await StartThreeAsync("--config", config);
        var frozen = _nodes[2];
        frozen.Pause();
        await Eventually.Holds(
            "the first node sees the frozen one unreachable",
            async () => (await _nodes[0].Http.Members())?.Members.Any(m => !m.Reachable) == true,
            Timeout);

        var (exitCode, text, _) = await CqProcess.RunAsync("cluster", "down-unreachable", "--yes", "-c", Contact);

        Assert.Equal(0, exitCode);
        Assert.Equal($"Downed: akka.tcp://ClusterQueue@127.0.0.1:{_ports[2]}{Environment.NewLine}", text);
        await Eventually.Holds("two members remain", () => _nodes[0].Http.SeesExactlyUp(_ports.Take(2)), Timeout);
        var nothing = await CqProcess.RunAsync("cluster", "down-unreachable", "--yes", "-c", Contact);
        Assert.Equal($"No unreachable members seen by akka.tcp://ClusterQueue@{Contact}.{Environment.NewLine}", nothing.Output);
    }

    [Fact]
    public async Task Cluster_join_of_a_member_of_the_same_cluster_does_nothing_and_of_another_is_refused()
    {
        await StartThreeAsync();

        var same = await CqProcess.RunAsync("cluster", "join", $"127.0.0.1:{_ports[1]}", "-c", Contact);
        var other = await CqProcess.RunAsync("cluster", "join", "127.0.0.1:1", "-c", Contact);

        Assert.Equal((0, $"akka.tcp://ClusterQueue@{Contact} is already a member of that cluster.{Environment.NewLine}"), (same.ExitCode, same.Output));
        Assert.Equal(3, other.ExitCode);
        Assert.Contains("is already a member of another cluster", other.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_tail_prints_the_members_then_each_change_until_Ctrl_C()
    {
        await StartThreeAsync();
        using var tail = CqProcess.Start("cluster", "tail", "-c", Contact);
        string Member(int i) => $"akka.tcp://ClusterQueue@127.0.0.1:{_ports[i]}";
        await Eventually.Holds(
            "tail prints every member up",
            () => Task.FromResult(Enumerable.Range(0, 3).All(i => tail.Lines.Any(l => l.EndsWith($"member up: {Member(i)}", StringComparison.Ordinal)))),
            Timeout,
            () => string.Join(Environment.NewLine, tail.Lines));

        _nodes[2].Terminate();

        await Eventually.Holds(
            "tail prints the third member leave and be removed",
            () => Task.FromResult(
                tail.Lines.Any(l => l.EndsWith($"member left: {Member(2)}", StringComparison.Ordinal))
                && tail.Lines.Any(l => l.EndsWith($"member removed: {Member(2)}", StringComparison.Ordinal))),
            Timeout,
            () => string.Join(Environment.NewLine, tail.Lines));
        Assert.Matches(@"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] member up: akka\.tcp://", tail.Lines[0]);
        // Ctrl-C ends it with the shell's exit code for an interrupted command.
        Assert.Equal(130, await tail.InterruptAsync(TimeSpan.FromSeconds(15)));
    }

    private async Task StartThreeAsync(params string[] args)
    {
        _ports = FreePorts.Take(6);
        for (var i = 0; i < 3; i++)
        {
            _nodes.Add(NodeProcess.Start(_ports[i], _ports[i + 3], _ports.Take(3), Path.Combine(_dataRoot, $"node-{i}"), args));
        }

        await Eventually.Holds(
            "three members Up",
            async () => (await Task.WhenAll(_nodes.Select(n => n.Http.SeesExactlyUp(_ports.Take(3))))).All(x => x),
            Timeout);
    }
}
