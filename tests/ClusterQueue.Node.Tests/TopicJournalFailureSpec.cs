using System.Text;
using Akka.Actor;
using Akka.Hosting;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;
using ClusterQueue.Node.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ClusterQueue.Node.Tests;

/// <summary>A topic whose journal is locked by someone else for a while. Once per journal.</summary>
public abstract class TopicJournalFailureSpec(JournalProvider provider) : IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private InProcessNode _node = null!;

    protected TestJournal Journal { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Journal = await TestJournal.CreateAsync(provider);

        // Writes give up on a locked journal after a second instead of a minute.
        var config = Path.Combine(Journal.DataDir, "test.conf");
        await File.WriteAllTextAsync(
            config,
            await File.ReadAllTextAsync(NodeProcess.TestingConfig) + "\nclusterqueue.topics.sqlite-busy-timeout = 1s\n");
        var settings = new Dictionary<string, string?>(Journal.NodeSettings);
        if (Journal.ConnectionString is { } connectionString)
        {
            settings["CQ_JOURNAL_CONNECTION_STRING"] = new NpgsqlConnectionStringBuilder(connectionString) { Options = "-c lock_timeout=1000" }.ConnectionString;
        }

        var ports = FreePorts.Take(2);
        _node = await InProcessNode.StartAsync(ports[0], ports[1], [ports[0]], Journal.DataDir, config, settings: settings);
        await Eventually.Holds("the node is Up", () => _node.SeesOnlyUp(1), Timeout);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await Journal.DisposeAsync();
    }

    /// <summary>Holds a lock that stops the topic's journal writes until the returned handle is disposed.</summary>
    protected abstract Task<IAsyncDisposable> LockJournalAsync(string topic);

    private IActorRef Topics => ActorRegistry.For(_node.System).Get<TopicRegion>();

    private static Publish Publish(long producerSeq, string text) =>
        new("orders", "p1", [new OutgoingMessage(producerSeq, Encoding.UTF8.GetBytes(text))]);

    [JournalFact]
    public async Task A_write_the_journal_fails_is_refused_and_the_topic_recovers_with_nothing_confirmed_lost()
    {
        await Topics.Ask<PublishResult>(Publish(1, "a"), Timeout);

        await using (await LockJournalAsync("orders"))
        {
            var refused = await Topics.Ask<object>(Publish(2, "b"), Timeout);

            var error = Assert.IsType<TopicError>(refused);
            Assert.Equal(ErrorCode.JournalWriteFailed, error.Code);
            Assert.Equal("topic 'orders' could not write to its journal; nothing in this request was confirmed", error.Message);
        }

        PublishResult? retried = null;
        object? last = null;
        await Eventually.Holds(
            "the retried publish is confirmed once the topic restarted",
            async () =>
            {
                try
                {
                    last = await Topics.Ask<object>(Publish(2, "b"), TimeSpan.FromSeconds(3));
                    retried = last as PublishResult;
                }
                catch (AskTimeoutException e)
                {
                    last = e.Message;
                    retried = null;
                }

                return retried is not null;
            },
            Timeout,
            () => $"last answer: {last}");
        Assert.Equal([PublishOutcome.Stored(2, 2)], retried!.Outcomes);
        var held = await Topics.Ask<PeekResult>(new Peek("orders", 10), Timeout);
        Assert.Equal(["a", "b"], held.Messages.Select(m => Encoding.UTF8.GetString(m.Payload)));
        Assert.Equal([1L, 2L], held.Messages.Select(m => m.SequenceNr));
    }
}

[Collection(ClusterNodesTests.Name)]
public sealed class TopicJournalFailureOnSqliteSpec() : TopicJournalFailureSpec(JournalProvider.Sqlite)
{
    /// <summary>Another connection holds BEGIN EXCLUSIVE on the topic's shard file.</summary>
    protected override Task<IAsyncDisposable> LockJournalAsync(string topic)
    {
        // Not pooled: a pooled connection would keep its transaction, and the lock, after disposal.
        var locker = new SqliteConnection($"Data Source={Journal.ShardFile(topic)};Pooling=False");
        locker.Open();
        using var begin = locker.CreateCommand();
        begin.CommandText = "BEGIN EXCLUSIVE;";
        begin.ExecuteNonQuery();
        return Task.FromResult<IAsyncDisposable>(new Lock(async () =>
        {
            await using var rollback = locker.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
            await locker.DisposeAsync();
        }));
    }
}

[Collection(ClusterNodesTests.Name)]
public sealed class TopicJournalFailureOnPostgreSqlSpec() : TopicJournalFailureSpec(JournalProvider.PostgreSql), IRunsOnPostgreSql
{
    /// <summary>Another session holds the journal table in SHARE mode, which blocks inserts (the node gives up after lock_timeout).</summary>
    protected override async Task<IAsyncDisposable> LockJournalAsync(string topic)
    {
        var locker = new NpgsqlConnection(Journal.ConnectionString);
        await locker.OpenAsync();
        await using (var lockTable = new NpgsqlCommand("BEGIN; LOCK TABLE journal IN SHARE MODE;", locker))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        return new Lock(async () =>
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK;", locker);
            await rollback.ExecuteNonQueryAsync();
            await locker.DisposeAsync();
        });
    }
}

/// <summary>Releases a lock a test holds.</summary>
internal sealed class Lock(Func<Task> release) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await release();
}
