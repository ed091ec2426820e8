namespace ClusterQueue.Protocol;

/// <summary>
/// Marks every message that crosses a node boundary or is persisted; the marker binds them all to
/// <see cref="Serialization.ClusterQueueSerializer"/>, never to Akka's default JSON.
/// </summary>
public interface IClusterQueueMessage;
