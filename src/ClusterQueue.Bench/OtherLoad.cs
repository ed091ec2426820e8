using System.Diagnostics;
using System.Globalization;

namespace ClusterQueue.Bench;

/// <summary>
/// CPU that processes other than ClusterQueue's used while a workload ran, kernel threads
/// included, read from /proc (Linux; nothing elsewhere). On two cores every other process's
/// slice is a wait for one of ours. On the VMs of the README's figures the kernel's DAMON thread
/// (kdamond.0) took a core for 10-28 ms every 0.55 s while the cluster was busy, and most of the
/// latency workload's slowest messages were in flight during one: a latency tail is read beside this.
/// </summary>
public static class OtherLoad
{
    /// <summary>Reported from this share of a core on; below it a process is noise.</summary>
    private const double ReportedFromPercent = 0.5;

    private const int MostReported = 5;

    /// <param name="Process">Its name and pid, as in /proc.</param>
    /// <param name="PercentOfCore">Its CPU time over the time between the snapshots, in percent of one core.</param>
    public sealed record Usage(string Process, double PercentOfCore);

    /// <summary>Every process's CPU time so far, and when it was read.</summary>
    public sealed record Snapshot(IReadOnlyDictionary<int, (string Name, TimeSpan Cpu)> Processes, long TakenAt);

    public static Snapshot Take()
    {
        var processes = new Dictionary<int, (string, TimeSpan)>();
        if (OperatingSystem.IsLinux())
        {
            foreach (var folder in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(folder), CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } usage)
                {
                    processes[pid] = usage;
                }
            }
        }

        return new Snapshot(processes, Stopwatch.GetTimestamp());
    }

    /// <summary>The busiest processes other than this one and ClusterQueue's nodes and tools since <paramref name="before"/>.</summary>
    public static IReadOnlyList<Usage> Since(Snapshot before)
    {
        var after = Take();
        var seconds = Stopwatch.GetElapsedTime(before.TakenAt, after.TakenAt).TotalSeconds;
        // Only the few busy ones have their command line read.
        return [.. after.Processes
            .Where(p => p.Key != Environment.ProcessId)
            .Select(p => (Pid: p.Key, Usage: new Usage(
                $"{p.Value.Name} ({p.Key})",
                100.0 * (p.Value.Cpu - (before.Processes.TryGetValue(p.Key, out var earlier) ? earlier.Cpu : TimeSpan.Zero)).TotalSeconds / seconds)))
            .Where(p => p.Usage.PercentOfCore >= ReportedFromPercent && !IsClusterQueue(p.Pid))
            .Select(p => p.Usage)
            .OrderByDescending(u => u.PercentOfCore)
            .Take(MostReported)];
    }

    /// <summary>Name and CPU time from /proc/pid/stat; null once the process is gone.</summary>
    private static (string Name, TimeSpan Cpu)? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return (ProcStat.Name(stat), ProcStat.CpuTime(stat));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A node or tool of ours (dotnet running a ClusterQueue assembly), whose cost the report gives apart.</summary>
    private static bool IsClusterQueue(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("ClusterQueue.", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
