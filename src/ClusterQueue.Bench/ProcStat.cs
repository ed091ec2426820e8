using System.Globalization;

namespace ClusterQueue.Bench;

/// <summary>Fields of a Linux /proc/[pid]/stat line.</summary>
public static class ProcStat
{
    /// <summary>/proc counts CPU time in clock ticks of 1/100 s (USER_HZ).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>The process's name, which sits in parentheses and may hold spaces and parentheses itself.</summary>
    public static string Name(string stat) => stat[(stat.IndexOf('(', StringComparison.Ordinal) + 1)..stat.LastIndexOf(')')];

    /// <summary>User and system time so far: utime and stime, fields 14 and 15 (the 12th and 13th after the name).</summary>
    public static TimeSpan CpuTime(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }
}
