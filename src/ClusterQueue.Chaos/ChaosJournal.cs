using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace ClusterQueue.Chaos;

/// <summary>Where the run's brokers journal.</summary>
public enum JournalKind
{
    /// <summary>One SQLite file per shard in the brokers' shared data folder.</summary>
    Sqlite,

    /// <summary>A PostgreSQL 15 server of the run's own on loopback (started with .ci/postgres.sh).</summary>
    PostgreSql,
}

/// <summary>The run's journal, and how to make it unavailable for a while.</summary>
public sealed class ChaosJournal : IAsyncDisposable
{
    private readonly string? _postgresDir;

    private ChaosJournal(JournalKind kind, IReadOnlyDictionary<string, string> nodeEnvironment, string? postgresDir)
    {
        Kind = kind;
        NodeEnvironment = nodeEnvironment;
        _postgresDir = postgresDir;
    }

    public JournalKind Kind { get; }

    /// <summary>The settings every broker gets to use this journal.</summary>
    public IReadOnlyDictionary<string, string> NodeEnvironment { get; }

    /// <exception cref="InvalidOperationException">PostgreSQL could not be started; the message says why.</exception>
    public static async Task<ChaosJournal> StartAsync(JournalKind kind)
    {
        if (kind == JournalKind.Sqlite)
        {
            return new ChaosJournal(kind, new Dictionary<string, string>(), null);
        }

        // Not inside the run folder: as root the server runs as another user, who must reach its folder.
        var dir = Path.Combine(Path.GetTempPath(), $"cq-chaos-pg-{Environment.ProcessId}");
        var connectionString = (await PostgresAsync("start", dir)).Trim();
        return new ChaosJournal(
            kind,
            new Dictionary<string, string> { ["CQ_JOURNAL_PROVIDER"] = "postgresql", ["CQ_JOURNAL_CONNECTION_STRING"] = connectionString },
            dir);
    }

    public string Describe(TimeSpan length) => Kind == JournalKind.Sqlite
        ? $"journal locked (BEGIN EXCLUSIVE on every shard file) for {length.TotalSeconds:0} s"
        : $"PostgreSQL stopped for {length.TotalSeconds:0} s";

    /// <summary>
    /// SQLite: another connection takes each shard file's write lock and keeps it, as a stuck backup
    /// would. PostgreSQL: the server stops, then starts again.
    /// </summary>
    public async Task MakeUnavailableAsync(string dataDir, TimeSpan length)
    {
        if (_postgresDir is { } dir)
        {
            await PostgresAsync("pause", dir);
            await Task.Delay(length);
            await PostgresAsync("resume", dir);
            return;
        }

        var connections = new List<SqliteConnection>();
        try
        {
            foreach (var file in Directory.EnumerateFiles(dataDir, "shard-*.db"))
            {
                var connection = new SqliteConnection($"Data Source={file};Default Timeout=30;Pooling=False");
                connections.Add(connection);
                await connection.OpenAsync();
                using var begin = connection.CreateCommand();
                begin.CommandText = "BEGIN EXCLUSIVE";
                await begin.ExecuteNonQueryAsync();
            }

            await Task.Delay(length);
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresDir is { } dir)
        {
            await PostgresAsync("stop", dir);
        }
    }

    /// <summary>Runs the repository's .ci/postgres.sh, found above this executable.</summary>
    private static async Task<string> PostgresAsync(string verb, string dir)
    {
        var script = ScriptPath();
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { script, verb, dir })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {verb} failed (exit {process.ExitCode}): {await errors}");
        }

        return await output;
    }

    private static string ScriptPath()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var script = Path.Combine(folder.FullName, ".ci", "postgres.sh");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new InvalidOperationException($"the PostgreSQL journal needs .ci/postgres.sh of the repository above {AppContext.BaseDirectory}");
    }
}
