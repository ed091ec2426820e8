namespace ClusterQueue.Client;

/// <summary>How a client reaches the cluster; both offer the same API.</summary>
public enum ConnectionMode
{
    /// <summary>From outside the cluster, through the brokers' ClusterClient receptionists; joins nothing.</summary>
    Gateway,

    /// <summary>Joins the cluster with role client and routes through a shard region proxy; hosts no topics.</summary>
    Member,
}
