namespace ClusterQueue.Protocol;

/// <summary>Names every member of a ClusterQueue cluster, and every client of one, agrees on.</summary>
public static class ClusterNames
{
    /// <summary>The ActorSystem name; it is part of every member's address, so all nodes share it.</summary>
    public const string ActorSystem = "ClusterQueue";

    /// <summary>Name of the gateway actor every broker node registers with the ClusterClient receptionist.</summary>
    public const string Gateway = "gateway";

    /// <summary>The path clients send to through the receptionist.</summary>
    public const string GatewayPath = "/user/" + Gateway;
}
