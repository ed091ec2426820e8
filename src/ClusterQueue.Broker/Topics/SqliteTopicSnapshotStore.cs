using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql.Snapshot;
using Microsoft.Data.Sqlite;

namespace ClusterQueue.Broker.Topics;

/// <summary>
/// A topic shard's snapshot store on SQLite: Akka.Persistence.Sql's, except that saves and
/// deletions go through the shard file's <see cref="SqliteShardWriter"/>, the connection its
/// journal writes through, so a topic goes on writing its journal while it saves a snapshot.
/// The rows are the plugin's own (its table, its columns, the values it would write), and the
/// plugin loads them.
/// </summary>
public sealed class SqliteTopicSnapshotStore : SqlSnapshotStore
{
    /// <summary>The plugin's default snapshot table; a save replaces a snapshot of the same number, as the plugin's does.</summary>
    private const string SaveRow =
        """
        INSERT OR REPLACE INTO snapshot (persistence_id, sequence_number, created, snapshot, manifest, serializer_id)
        VALUES ($persistence_id, $sequence_number, $created, $snapshot, $manifest, $serializer_id)
        """;

    /// <summary>Every deletion the plugin offers is this one with some bounds at their maximum.</summary>
    private const string DeleteRows =
        "DELETE FROM snapshot WHERE persistence_id = $persistence_id AND sequence_number <= $max_sequence_number AND created <= $max_created";

    private const string DeleteRow =
        "DELETE FROM snapshot WHERE persistence_id = $persistence_id AND sequence_number = $sequence_number";

    private readonly SqliteShardWriter _writer;
    private readonly Akka.Serialization.Serialization _serialization;

    public SqliteTopicSnapshotStore(Config snapshotConfig)
        : base(snapshotConfig)
    {
        _writer = SqliteShardWriter.Acquire(snapshotConfig.GetString("connection-string"));
        _serialization = Context.System.Serialization;
    }

    protected override void PostStop()
    {
        _writer.Release();
        base.PostStop();
    }

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        var serialized = PluginSerialized.Of(_serialization, snapshot);
        return _writer.WriteAsTask(statements =>
        {
            var save = statements.Prepared(SaveRow, parameters =>
            {
                parameters.Add("$persistence_id", SqliteType.Text);
                parameters.Add("$sequence_number", SqliteType.Integer);
                parameters.Add("$created", SqliteType.Integer);
                parameters.Add("$snapshot", SqliteType.Blob);
                parameters.Add("$manifest", SqliteType.Text);
                parameters.Add("$serializer_id", SqliteType.Integer);
            });
            save.Parameters["$persistence_id"].Value = metadata.PersistenceId;
            save.Parameters["$sequence_number"].Value = metadata.SequenceNr;
            save.Parameters["$created"].Value = metadata.Timestamp.Ticks;
            save.Parameters["$snapshot"].Value = serialized.Bytes;
            save.Parameters["$manifest"].Value = serialized.Manifest;
            save.Parameters["$serializer_id"].Value = serialized.SerializerId;
            save.ExecuteNonQuery();
        });
    }

    protected override Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken) => _writer.WriteAsTask(statements =>
    {
        var delete = statements.Prepared(DeleteRow, parameters =>
        {
            parameters.Add("$persistence_id", SqliteType.Text);
            parameters.Add("$sequence_number", SqliteType.Integer);
        });
        delete.Parameters["$persistence_id"].Value = metadata.PersistenceId;
        delete.Parameters["$sequence_number"].Value = metadata.SequenceNr;
        delete.ExecuteNonQuery();
    });

    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) => _writer.WriteAsTask(statements =>
    {
        var delete = statements.Prepared(DeleteRows, parameters =>
        {
            parameters.Add("$persistence_id", SqliteType.Text);
            parameters.Add("$max_sequence_number", SqliteType.Integer);
            parameters.Add("$max_created", SqliteType.Integer);
        });
        delete.Parameters["$persistence_id"].Value = persistenceId;
        delete.Parameters["$max_sequence_number"].Value = criteria.MaxSequenceNr;
        delete.Parameters["$max_created"].Value = criteria.MaxTimeStamp.Ticks;
        delete.ExecuteNonQuery();
    });
}
