using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace ClusterQueue.Broker.Topics;

/// <summary>
/// The one connection through which this process writes a shard's SQLite file: its journal's
/// inserts and deletions and its snapshot store's saves and deletions take turns on a lock instead
/// of meeting as two writers. SQLite lets one writer at a time into a file, and a write that finds the file
/// locked sleeps 150 ms (Microsoft.Data.Sqlite's retry); so topics used to hold their journal
/// writes while a snapshot was saved, and each save stalled every publish of the topic for the
/// snapshot's whole round trip through the plugin (5-15 ms every 2 s at 5,000 msg/s, README).
/// Here the two only wait for each other's statement, a millisecond or so.
/// </summary>
public sealed class SqliteShardWriter
{
    private static readonly ConcurrentDictionary<string, SqliteShardWriter> Writers = new();

    private readonly string _connectionString;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SqliteCommand> _prepared = [];
    private SqliteConnection? _connection;
    private int _users;

    private SqliteShardWriter(string connectionString) => _connectionString = connectionString;

    /// <summary>The writer of the file <paramref name="connectionString"/> names; give it back with <see cref="Release"/>.</summary>
    public static SqliteShardWriter Acquire(string connectionString)
    {
        var writer = Writers.GetOrAdd(connectionString, s => new SqliteShardWriter(s));
        lock (writer._gate)
        {
            writer._users++;
        }

        return writer;
    }

    /// <summary>One user fewer; the last one closes the connection (the next <see cref="Write"/> would open it again).</summary>
    public void Release()
    {
        lock (_gate)
        {
            if (--_users == 0)
            {
                Close();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> alone on the file's connection, opened if need be. After a
    /// failure the connection is closed, so the next write starts on a new one rather than on one
    /// in an unknown state.
    /// </summary>
    public void Write(Action<Statements> work)
    {
        lock (_gate)
        {
            try
            {
                work(new Statements(this));
            }
            catch
            {
                Close();
                throw;
            }
        }
    }

    /// <summary>
    /// <see cref="Write"/> for the persistence plugins' async methods, which report a failure as a
    /// faulted task, not a throw. The write is done when this returns: it runs on the caller's
    /// thread (the journal or snapshot actor), which a hop to another thread would only delay.
    /// </summary>
    public Task<TResult> WriteAsTask<TResult>(Action<Statements> work, TResult result)
    {
        try
        {
            Write(work);
            return Task.FromResult(result);
        }
        catch (Exception e)
        {
            return Task.FromException<TResult>(e);
        }
    }

    /// <inheritdoc cref="WriteAsTask{TResult}"/>
    public Task WriteAsTask(Action<Statements> work) => WriteAsTask(work, true);

    private SqliteConnection Connection()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            // synchronous=FULL: SQLite's own default, stated because every confirmation rests on it:
            // each commit is fsync'd. busy_timeout: a write that finds the file locked is retried
            // by SQLite after 1, 2, 5, 10 ... ms, up to the connection's timeout. Without it the
            // write fails at once and Microsoft.Data.Sqlite retries it after 150 ms. The file's
            // other connections are brief (the plugin's reads, a local node that owned the shard
            // before), but when the plugin still deleted journal events on one of its own, after
            // each snapshot, the deletion locked the file for a moment, and each time it met a
            // write, that write and every publish behind it waited 151 ms (README, performance).
            pragma.CommandText = $"PRAGMA synchronous=FULL; PRAGMA busy_timeout={BusyTimeoutMilliseconds(connection)};";
            pragma.ExecuteNonQuery();
        }

        _connection = connection;
        return connection;
    }

    /// <summary>The connection string's timeout (its "Default Timeout", seconds; 0 is none), in SQLite's busy_timeout terms.</summary>
    private static int BusyTimeoutMilliseconds(SqliteConnection connection) =>
        connection.DefaultTimeout == 0 ? int.MaxValue : (int)Math.Min(int.MaxValue, connection.DefaultTimeout * 1000L);

    private void Close()
    {
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        _prepared.Clear();
        _connection?.Dispose();
        _connection = null;
    }

    /// <summary>What a <see cref="Write"/> may do on the connection; valid only inside it.</summary>
    public readonly struct Statements(SqliteShardWriter writer)
    {
        public SqliteTransaction BeginTransaction() => writer.Connection().BeginTransaction();

        /// <summary>The statement <paramref name="sql"/>, prepared once per connection with the parameters <paramref name="declare"/> adds.</summary>
        public SqliteCommand Prepared(string sql, Action<SqliteParameterCollection> declare)
        {
            if (writer._prepared.TryGetValue(sql, out var command))
            {
                return command;
            }

            command = writer.Connection().CreateCommand();
            command.CommandText = sql;
            declare(command.Parameters);
            command.Prepare();
            writer._prepared[sql] = command;
            return command;
        }
    }
}
