namespace ClusterQueue.Client;

/// <summary>How a client outside the cluster reaches it through the nodes' gateways.</summary>
public sealed record GatewayClientOptions
{
    /// <summary>Nodes to contact first; any one that answers gives the client the others.</summary>
    public IReadOnlyList<ContactPoint> ContactPoints { get; init; } = ContactPoint.LocalhostSeeds;

    /// <summary>
    /// Address the nodes use to send replies back to this client: it must be reachable from them.
    /// </summary>
    public string ClientHost { get; init; } = "127.0.0.1";

    /// <summary>How long a request waits for its answer.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
