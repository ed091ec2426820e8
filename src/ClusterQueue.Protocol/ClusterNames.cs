namespace ClusterQueue.Protocol;

/// <summary>Names every member of a ClusterQueue cluster, and every client of one, agrees on.</summary>
public static class ClusterNames
{
    /// <summary>The ActorSystem name; it is part of every member's address, so all nodes share it.</summary>
    public const string ActorSystem = "ClusterQueue";
}
