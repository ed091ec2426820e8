using System.Diagnostics;
using HdrHistogram;

namespace ClusterQueue.Bench;

/// <summary>
/// What the disk allows: 8 KiB writes each followed by fsync (as pg_test_fsync's "one 8kB write"
/// with fdatasync) in the folder the journal uses. A confirmed publish waits for one such sync,
/// shared by every publish of its group commit, so the sync's own tail is a floor under the
/// publish latency's: a disk whose p99.9 sync takes 15 ms delays every message that arrives during it.
/// </summary>
public static class DiskProbe
{
    /// <param name="FsyncsPerSecond">Write-and-sync rounds a second, one after another.</param>
    /// <param name="P50Ms">Median time of one write and sync.</param>
    /// <param name="P99Ms">99th percentile of one write and sync.</param>
    /// <param name="P999Ms">99.9th percentile of one write and sync.</param>
    /// <param name="MaxMs">The slowest write and sync seen.</param>
    public sealed record Result(double FsyncsPerSecond, double P50Ms, double P99Ms, double P999Ms, double MaxMs);

    public static Result Measure(string folder, TimeSpan duration)
    {
        var path = Path.Combine(folder, $"fsync-probe-{Guid.NewGuid():N}");
        var block = new byte[8192];
        var times = new LongHistogram(TimeSpan.FromMinutes(1).Ticks, 3);
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                file.Position = 0;
                file.Write(block);
                file.Flush(flushToDisk: true);
                times.RecordValue(Stopwatch.GetElapsedTime(started).Ticks);
            }

            return new Result(
                times.TotalCount / watch.Elapsed.TotalSeconds,
                Milliseconds(times.GetValueAtPercentile(50)),
                Milliseconds(times.GetValueAtPercentile(99)),
                Milliseconds(times.GetValueAtPercentile(99.9)),
                Milliseconds(times.GetMaxValue()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static double Milliseconds(long ticks) => TimeSpan.FromTicks(ticks).TotalMilliseconds;
}
