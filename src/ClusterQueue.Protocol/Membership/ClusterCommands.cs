namespace ClusterQueue.Protocol.Membership;

/// <summary>Asks the answering node to have a member leave gracefully: its topics hand off, then it exits.</summary>
/// <param name="Address">akka.tcp://ClusterQueue@host:port, or host:port.</param>
public sealed record LeaveMember(string Address) : IClusterQueueMessage;

/// <summary>Asks the answering node to mark a member down: the cluster stops waiting for it and its topics move.</summary>
public sealed record DownMember(string Address) : IClusterQueueMessage;

/// <summary>Asks the answering node to mark down every member it sees as unreachable.</summary>
public sealed class DownUnreachable : IClusterQueueMessage
{
    public static readonly DownUnreachable Instance = new();

    private DownUnreachable()
    {
    }
}

/// <summary>Asks the answering node to join the cluster of the member at <paramref name="Address"/>.</summary>
public sealed record JoinCluster(string Address) : IClusterQueueMessage;

/// <summary>A cluster command was carried out on these members (none: there was nothing to do).</summary>
/// <param name="Command">leave, down, down-unreachable or join.</param>
/// <param name="Node">The node that carried it out.</param>
public sealed record ClusterCommandDone(string Command, string Node, IReadOnlyList<string> Addresses) : IClusterQueueMessage
{
    public bool Equals(ClusterCommandDone? other) =>
        other is not null && Command == other.Command && Node == other.Node && Addresses.SequenceEqual(other.Addresses);

    public override int GetHashCode() => HashCode.Combine(Command, Node, Addresses.Count);
}

/// <summary>A cluster command was refused; <paramref name="Reason"/> says why, for a person.</summary>
public sealed record ClusterCommandRefused(string Command, string Reason) : IClusterQueueMessage;
