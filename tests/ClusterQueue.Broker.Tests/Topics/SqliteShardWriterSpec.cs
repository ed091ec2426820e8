using ClusterQueue.Broker.Topics;
using Microsoft.Data.Sqlite;

namespace ClusterQueue.Broker.Tests.Topics;

/// <summary>The one connection a process writes a shard file through.</summary>
public sealed class SqliteShardWriterSpec : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("cq-writer-").FullName;

    [Theory]
    [InlineData(60, 60_000)]
    [InlineData(1, 1_000)]
    [InlineData(0, int.MaxValue)]
    public void A_write_that_finds_the_file_locked_is_retried_inside_SQLite_for_the_connection_timeout(int defaultTimeoutSeconds, long expectedBusyTimeoutMs)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(_dataDir, $"shard-{defaultTimeoutSeconds}.db"),
            DefaultTimeout = defaultTimeoutSeconds,
        }.ConnectionString;
        var writer = SqliteShardWriter.Acquire(connectionString);
        try
        {
            long busyTimeout = 0;
            long synchronous = 0;
            writer.Write(statements =>
            {
                busyTimeout = (long)statements.Prepared("PRAGMA busy_timeout;", _ => { }).ExecuteScalar()!;
                synchronous = (long)statements.Prepared("PRAGMA synchronous;", _ => { }).ExecuteScalar()!;
            });

            Assert.Equal(expectedBusyTimeoutMs, busyTimeout);
            Assert.Equal(2, synchronous);
        }
        finally
        {
            writer.Release();
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }
}
