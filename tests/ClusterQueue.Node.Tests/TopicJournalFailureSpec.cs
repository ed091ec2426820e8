using System.Text;
using Akka.Actor;
using Akka.Hosting;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;
using Microsoft.Data.Sqlite;

namespace ClusterQueue.Node.Tests;

/// <summary>A topic whose journal file is locked by someone else for a while.</summary>
[Collection(ClusterNodesTests.Name)]
public sealed class TopicJournalFailureSpec : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("cq-journal-failure-").FullName;
    private InProcessNode _node = null!;

    public async Task InitializeAsync()
    {
        // Writes give up on a locked file after a second instead of a minute.
        var config = Path.Combine(_dataDir, "test.conf");
        await File.WriteAllTextAsync(
            config,
            await File.ReadAllTextAsync(NodeProcess.TestingConfig) + "\nclusterqueue.topics.sqlite-busy-timeout = 1s\n");
        var ports = FreePorts.Take(2);
        _node = await InProcessNode.StartAsync(ports[0], ports[1], [ports[0]], Path.Combine(_dataDir, "data"), config);
        await Eventually.Holds("the node is Up", () => _node.SeesOnlyUp(1), Timeout);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private IActorRef Topics => ActorRegistry.For(_node.System).Get<TopicRegion>();

    private static Publish Publish(long producerSeq, string text) =>
        new("orders", "p1", [new OutgoingMessage(producerSeq, Encoding.UTF8.GetBytes(text))]);

    [Fact]
    public async Task A_write_the_journal_fails_is_refused_and_the_topic_recovers_with_nothing_confirmed_lost()
    {
        await Topics.Ask<PublishResult>(Publish(1, "a"), Timeout);
        var shardFile = Path.Combine(_dataDir, "data", $"shard-{new TopicMessageExtractor(32).ShardOf("orders")}.db");

        // Not pooled: a pooled connection would keep its transaction, and the lock, after disposal.
        await using (var locker = new SqliteConnection($"Data Source={shardFile};Pooling=False"))
        {
            locker.Open();
            using var begin = locker.CreateCommand();
            begin.CommandText = "BEGIN EXCLUSIVE;";
            begin.ExecuteNonQuery();

            var refused = await Topics.Ask<object>(Publish(2, "b"), Timeout);

            var error = Assert.IsType<TopicError>(refused);
            Assert.Equal(ErrorCode.JournalWriteFailed, error.Code);
            Assert.Equal("topic 'orders' could not write to its journal; nothing in this request was confirmed", error.Message);
            using var rollback = locker.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            rollback.ExecuteNonQuery();
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
