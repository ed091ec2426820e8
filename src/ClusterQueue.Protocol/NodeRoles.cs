namespace ClusterQueue.Protocol;

/// <summary>The cluster roles a ClusterQueue member can have.</summary>
public static class NodeRoles
{
    /// <summary>Hosts topic shards and counts in the split-brain resolver's majority.</summary>
    public const string Broker = "broker";

    /// <summary>An application member that talks to topics through a proxy and hosts none.</summary>
    public const string Client = "client";

    public static IReadOnlyList<string> All { get; } = [Broker, Client];
}
