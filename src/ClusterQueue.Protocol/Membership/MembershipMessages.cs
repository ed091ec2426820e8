namespace ClusterQueue.Protocol.Membership;

/// <summary>Asks a node's gateway for cluster membership as that node sees it.</summary>
public sealed class GetClusterMembers : IClusterQueueMessage
{
    public static readonly GetClusterMembers Instance = new();

    private GetClusterMembers()
    {
    }
}

/// <summary>Cluster membership as one node sees it.</summary>
/// <param name="Self">Address of the node that answered.</param>
/// <param name="Leader">Address of the leader, if the node knows one.</param>
/// <param name="Members">Every member, in address order.</param>
public sealed record ClusterMembers(string Self, string? Leader, IReadOnlyList<ClusterMember> Members) : IClusterQueueMessage
{
    public bool Equals(ClusterMembers? other) =>
        other is not null && Self == other.Self && Leader == other.Leader && Members.SequenceEqual(other.Members);

    public override int GetHashCode() => HashCode.Combine(Self, Leader, Members.Count);
}

/// <summary>One member of the cluster.</summary>
/// <param name="Address">akka.tcp://ClusterQueue@host:port.</param>
/// <param name="Roles">Its roles, sorted.</param>
/// <param name="Status">Joining, Up, Leaving, Exiting, Down, Removed or WeaklyUp.</param>
/// <param name="Version">The application version the member runs.</param>
/// <param name="Reachable">False when the answering node's failure detector lost it.</param>
public sealed record ClusterMember(string Address, IReadOnlyList<string> Roles, string Status, string Version, bool Reachable)
{
    public bool Equals(ClusterMember? other) =>
        other is not null && Address == other.Address && Roles.SequenceEqual(other.Roles)
        && Status == other.Status && Version == other.Version && Reachable == other.Reachable;

    public override int GetHashCode() => HashCode.Combine(Address, Status, Version, Reachable);
}
