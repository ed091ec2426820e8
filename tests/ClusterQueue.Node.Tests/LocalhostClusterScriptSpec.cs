using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.TestSupport;

namespace ClusterQueue.Node.Tests;

/// <summary>deploy/localhost/cluster.sh, run as a user runs it, on ports chosen at run time.</summary>
[Collection(ClusterNodesTests.Name)]
public sealed class LocalhostClusterScriptSpec : IDisposable
{
    private readonly string _runDir = Directory.CreateTempSubdirectory("cq-localhost-").FullName;
    private readonly int _port = FreePorts.TakeRange(3);
    private readonly int _httpPort = FreePorts.TakeRange(3);

    private async Task<(int ExitCode, string Output)> Script(params string[] args)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["CQ_RUN_DIR"] = _runDir,
                ["CQ_LOCALHOST_PORT"] = _port.ToString(CultureInfo.InvariantCulture),
                ["CQ_LOCALHOST_HTTP_PORT"] = _httpPort.ToString(CultureInfo.InvariantCulture),
            },
        };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "deploy", "localhost", "cluster.sh"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    /// <summary>The node processes' ids, node 1 first.</summary>
    private IEnumerable<int> Pids() =>
        Directory.GetFiles(_runDir, "node-*.pid")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f)["node-".Length..], CultureInfo.InvariantCulture))
            .Select(f => int.Parse(File.ReadAllText(f).Trim(), CultureInfo.InvariantCulture));

    public void Dispose()
    {
        foreach (var pid in Pids().Where(Processes.IsRunning))
        {
            Process.GetProcessById(pid).Kill();
        }

        Directory.Delete(_runDir, recursive: true);
    }

    [Fact]
    public async Task Start_status_and_stop_run_a_three_node_cluster_and_refuse_what_makes_no_sense()
    {
        var (exitCode, output) = await Script("start");
        Assert.True(exitCode == 0, output);
        Assert.Contains($"akka.tcp://ClusterQueue@127.0.0.1:{_port + 2} | [broker] | up |", output, StringComparison.Ordinal);
        Assert.EndsWith("Count: 3 nodes\n", output, StringComparison.Ordinal);
        var pids = Pids().ToList();
        Assert.Equal(3, pids.Count);
        Assert.True(File.Exists(Path.Combine(_runDir, "node-1.log")));
        Assert.True(Directory.Exists(Path.Combine(_runDir, "data")));

        (exitCode, output) = await Script("start");
        Assert.Equal(1, exitCode);
        Assert.Contains($"a cluster is already running from {_runDir}", output, StringComparison.Ordinal);

        (exitCode, output) = await Script("status");
        Assert.True(exitCode == 0, output);
        Assert.Contains($"node 3: pid {pids[2]} running, remoting 127.0.0.1:{_port + 2}, /health/ready: 200", output, StringComparison.Ordinal);
        Assert.EndsWith("Count: 3 nodes\n", output, StringComparison.Ordinal);

        (exitCode, output) = await Script("stop");
        Assert.True(exitCode == 0, output);
        Assert.EndsWith("Stopped.\n", output, StringComparison.Ordinal);
        Assert.All(pids, pid => Assert.False(Processes.IsRunning(pid), $"pid {pid} still runs"));
        Assert.All(File.ReadAllText(Path.Combine(_runDir, "node-1.log")).Split('\n').Where(l => l.Length > 0),
            line => Assert.Contains($"[127.0.0.1:{_port}] ", line, StringComparison.Ordinal));

        (exitCode, output) = await Script("stop");
        Assert.Equal(0, exitCode);
        Assert.Equal($"Nothing to stop: no ClusterQueue node started from {_runDir} is running.\n", output);
    }

    [Fact]
    public async Task Start_refuses_a_port_in_use_naming_it()
    {
        var squatter = new TcpListener(IPAddress.Loopback, _httpPort + 1);
        squatter.Start();
        try
        {
            var (exitCode, output) = await Script("start");

            Assert.Equal(1, exitCode);
            Assert.Equal($"cluster.sh: port {_httpPort + 1} (HTTP of node 2) is in use by another program\n", output);
            Assert.Empty(Pids());
        }
        finally
        {
            squatter.Stop();
        }
    }

    [Theory]
    [InlineData("start", "0", "cluster.sh: node count '0' is not a number from 1 to 20\n")]
    [InlineData("restart", null, "cluster.sh: usage: ")]
    public async Task Bad_arguments_are_named(string command, string? argument, string error)
    {
        var (exitCode, output) = await Script(argument is null ? [command] : [command, argument]);

        Assert.Equal(1, exitCode);
        Assert.StartsWith(error, output, StringComparison.Ordinal);
    }
}
