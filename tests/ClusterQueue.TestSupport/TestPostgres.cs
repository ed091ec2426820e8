using Npgsql;

namespace ClusterQueue.TestSupport;

/// <summary>
/// The PostgreSQL server tests use, named by <see cref="Variable"/> (`.ci/postgres.sh start DIR`
/// starts one and prints its connection string). Without it, PostgreSQL tests are skipped with a
/// reason, except under CI=true, where they run and fail: CI must run everything.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "CQ_TEST_POSTGRES";

    public static string? ServerConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>Why PostgreSQL tests are skipped here, or null when they run.</summary>
    public static string? SkipReason =>
        ServerConnectionString is null && Environment.GetEnvironmentVariable("CI") != "true"
            ? $"PostgreSQL is not available: set {Variable} to a server's connection string (.ci/postgres.sh start DIR prints one)"
            : null;

    /// <summary>Creates an empty database of its own for one test and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var server = ServerConnectionString
            ?? throw new InvalidOperationException($"PostgreSQL tests must run under CI=true, but {Variable} is not set: .ci/run starts the server");
        var name = $"cq_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        NpgsqlConnection.ClearAllPools();
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
