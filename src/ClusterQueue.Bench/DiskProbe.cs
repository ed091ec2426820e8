using System.Diagnostics;

namespace ClusterQueue.Bench;

/// <summary>
/// What the disk allows: 8 KiB writes each followed by fsync (as pg_test_fsync's "one 8kB write"
/// with fdatasync) in the folder the journal uses, for one second. A confirmed publish waits for
/// one such sync, shared by every publish of its group commit.
/// </summary>
public static class DiskProbe
{
    public static double FsyncsPerSecond(string folder, TimeSpan duration)
    {
        var path = Path.Combine(folder, $"fsync-probe-{Guid.NewGuid():N}");
        var block = new byte[8192];
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            var watch = Stopwatch.StartNew();
            var syncs = 0;
            while (watch.Elapsed < duration)
            {
                file.Position = 0;
                file.Write(block);
                file.Flush(flushToDisk: true);
                syncs++;
            }

            return syncs / watch.Elapsed.TotalSeconds;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
