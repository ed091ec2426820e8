using System.Text.Json;
using ClusterQueue.Node.Tests.Support;
using Xunit.Abstractions;

namespace ClusterQueue.Node.Tests;

/// <summary>
/// The load generator's smoke run: every workload briefly (a second of traffic; 2,000 pending for
/// memory and recovery) on a three-node cluster it starts itself. Figures are printed, never
/// asserted; what is asserted is that it runs and that every confirmed message reached every group.
/// </summary>
[Collection(ClusterNodesTests.Name)]
public sealed class BenchSmokeSpec(ITestOutputHelper output)
{
    [Fact]
    public async Task The_load_generator_runs_every_workload_briefly_and_every_group_gets_every_confirmed_message_even_across_a_killed_node()
    {
        var logs = Directory.CreateTempSubdirectory("cq-bench-logs-").FullName;
        var run = await ToolProcess.RunAsync(
            ToolProcess.Dll("ClusterQueue.Bench"),
            ["run", "all", "--duration", "1", "--warmup", "0", "--pending", "2000", "--json", "--node-logs", logs],
            TimeSpan.FromMinutes(4));

        output.WriteLine(run.Error);
        output.WriteLine(run.Output);
        Assert.True(run.Exited && run.ExitCode == 0, $"the benchmark failed (exit {run.ExitText}):{Environment.NewLine}{run.Error}");

        var report = JsonDocument.Parse(run.Output).RootElement;
        var machine = report.GetProperty("machine");
        Assert.True(machine.GetProperty("fsyncsPerSecond").GetDouble() > 0);
        var disk = machine.GetProperty("disk");
        Assert.True(disk.GetProperty("p999Ms").GetDouble() >= disk.GetProperty("p50Ms").GetDouble(), disk.ToString());
        var workloads = report.GetProperty("workloads").EnumerateArray().ToList();
        Assert.Equal(["throughput", "latency", "topics", "fanout"], workloads.Select(w => w.GetProperty("result").GetProperty("workload").GetString()));
        foreach (var workload in workloads)
        {
            var result = workload.GetProperty("result");
            var groups = result.GetProperty("workload").GetString() == "fanout" ? 3 : 1;
            Assert.True(result.GetProperty("published").GetInt64() > 0, result.ToString());
            Assert.Equal(result.GetProperty("published").GetInt64() * groups, result.GetProperty("consumed").GetInt64());
            Assert.Equal(0, result.GetProperty("missing").GetInt64());
            Assert.True(result.GetProperty("p99Ms").GetDouble() >= result.GetProperty("p50Ms").GetDouble(), result.ToString());
            Assert.True(result.GetProperty("confirmP50Ms").GetDouble() > 0, result.ToString());
            Assert.True(result.GetProperty("confirmP99Ms").GetDouble() >= result.GetProperty("confirmP50Ms").GetDouble(), result.ToString());
            Assert.Equal(3, workload.GetProperty("nodes").GetArrayLength());

            // Only processes that are not the cluster's or the load generator's, each above the noise.
            Assert.All(workload.GetProperty("others").EnumerateArray(), other =>
            {
                Assert.DoesNotContain("ClusterQueue", other.GetProperty("process").GetString(), StringComparison.Ordinal);
                Assert.True(other.GetProperty("percentOfCore").GetDouble() >= 0.5, other.ToString());
            });
        }

        var memory = report.GetProperty("memory");
        Assert.Equal(2000, memory.GetProperty("pending").GetInt64());
        Assert.True(double.IsFinite(memory.GetProperty("bytesPerPending").GetDouble()), memory.ToString());
        Assert.True(double.IsFinite(memory.GetProperty("residentBytesPerPending").GetDouble()), memory.ToString());

        var recovery = report.GetProperty("recovery");
        Assert.Equal((2000, 0), (recovery.GetProperty("consumed").GetInt64(), recovery.GetProperty("missing").GetInt64()));
        Assert.True(recovery.GetProperty("killToDownSeconds").GetDouble() > 0, recovery.ToString());
        Assert.True(double.IsFinite(recovery.GetProperty("killToDrainedSeconds").GetDouble()), recovery.ToString());

        // Each node's output, the one the recovery killed included.
        var nodeLogs = Directory.GetFiles(logs, "node-*.log");
        Assert.Equal(3, nodeLogs.Length);
        Assert.All(nodeLogs, log => Assert.Contains("Started up successfully", File.ReadAllText(log), StringComparison.Ordinal));
        Directory.Delete(logs, recursive: true);
    }

    [Fact]
    public async Task The_microbenchmarks_each_run_once_and_report_every_method()
    {
        var artifacts = Directory.CreateTempSubdirectory("cq-bdn-");
        try
        {
            var run = await ToolProcess.RunAsync(
                ToolProcess.Dll("ClusterQueue.Bench"),
                ["micro", "--smoke", "--artifacts", artifacts.FullName],
                TimeSpan.FromMinutes(3));

            output.WriteLine(run.Output);
            Assert.True(run.Exited && run.ExitCode == 0, $"the microbenchmarks failed (exit {run.ExitText}):{Environment.NewLine}{run.Output}{run.Error}");
            foreach (var method in new[] { "| Publish ", "| DeliverAck ", "| PublishDeliverAck ", "| Serialize ", "| Deserialize " })
            {
                Assert.Contains(method, run.Output, StringComparison.Ordinal);
            }
        }
        finally
        {
            artifacts.Delete(recursive: true);
        }
    }
}
