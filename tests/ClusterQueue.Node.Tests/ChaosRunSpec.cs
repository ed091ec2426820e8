using ClusterQueue.Node.Tests.Support;
using Xunit.Abstractions;

namespace ClusterQueue.Node.Tests;

/// <summary>The short chaos run: 5 broker processes, 3 consumer processes, every fault kind once, then the check.</summary>
[Collection(ClusterNodesTests.Name)]
public abstract class ChaosRunSpec(ITestOutputHelper output, string journal)
{
    [JournalFact]
    public async Task A_short_chaos_run_injects_every_kind_of_fault_and_loses_no_confirmed_message()
    {
        var runDir = Directory.CreateTempSubdirectory("cq-chaos-spec-").FullName;
        var run = await ToolProcess.RunAsync(
            ToolProcess.Dll("ClusterQueue.Chaos"),
            ["--duration", "0:00:00", "--journal", journal, "--run-dir", runDir],
            RunTimeout);

        var printed = run.Output + run.Error;
        output.WriteLine(printed);
        Assert.True(run.Exited && run.ExitCode == 0, $"the chaos run failed (exit {run.ExitText}); its logs are in {runDir}");
        foreach (var kind in new[] { "SIGKILL broker", "SIGSTOP broker", "rolling restart", "SIGKILL consumer", JournalOutage, "slow for" })
        {
            Assert.Contains(kind, printed, StringComparison.Ordinal);
        }

        Assert.Matches(@"\nlost +0\r?\n", printed);
        Assert.Matches(@"\nresult +PASSED", printed);
        Directory.Delete(runDir, recursive: true);
    }

    [Fact]
    public async Task A_run_refuses_a_run_folder_holding_an_earlier_run()
    {
        var runDir = Directory.CreateTempSubdirectory("cq-chaos-spec-").FullName;
        Directory.CreateDirectory(Path.Combine(runDir, "data"));

        var run = await ToolProcess.RunAsync(ToolProcess.Dll("ClusterQueue.Chaos"), ["--journal", journal, "--run-dir", runDir], TimeSpan.FromSeconds(30));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--run-dir {runDir} is not empty", run.Error, StringComparison.Ordinal);
        Assert.Equal([Path.Combine(runDir, "data")], Directory.EnumerateFileSystemEntries(runDir));
        Directory.Delete(runDir, recursive: true);
    }

    /// <summary>
    /// A run takes about 3 minutes on a fast 2-core machine, 4-4.5 on a slow one (its rolling
    /// restart alone 110-160 s there), where a 4-minute limit killed runs still draining.
    /// </summary>
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(8);

    /// <summary>How the run says it made the journal unavailable.</summary>
    protected abstract string JournalOutage { get; }
}

public sealed class ChaosRunOnSqliteSpec(ITestOutputHelper output) : ChaosRunSpec(output, "sqlite")
{
    protected override string JournalOutage => "journal locked";
}

/// <summary>The run starts a PostgreSQL server of its own (.ci/postgres.sh), and stops it for the outage.</summary>
public sealed class ChaosRunOnPostgreSqlSpec(ITestOutputHelper output) : ChaosRunSpec(output, "postgresql"), IRunsOnPostgreSql
{
    protected override string JournalOutage => "PostgreSQL stopped";
}
