using Akka.Actor;
using Akka.Cluster;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Broker.Gateway;

/// <summary>cq's cluster commands, carried out by the node whose gateway received them.</summary>
public static class ClusterCommands
{
    public static IClusterQueueMessage Leave(Cluster cluster, LeaveMember command) =>
        OnMember(cluster, "leave", command.Address, address =>
        {
            cluster.Leave(address);
            return Done(cluster, "leave", address);
        });

    public static IClusterQueueMessage Down(Cluster cluster, DownMember command) =>
        OnMember(cluster, "down", command.Address, address =>
        {
            cluster.Down(address);
            return Done(cluster, "down", address);
        });

    public static IClusterQueueMessage DownUnreachable(Cluster cluster)
    {
        var unreachable = cluster.State.Unreachable.Select(m => m.Address).OrderBy(a => a.ToString(), StringComparer.Ordinal).ToList();
        unreachable.ForEach(cluster.Down);
        return Done(cluster, "down-unreachable", [.. unreachable]);
    }

    public static IClusterQueueMessage Join(Cluster cluster, JoinCluster command)
    {
        if (Parse(command.Address) is not { } address)
        {
            return NotAnAddress("join", command.Address);
        }

        if (cluster.State.Members.Any(m => m.Address == address))
        {
            // Already in the same cluster: nothing to do.
            return Done(cluster, "join");
        }

        if (cluster.State.Members.Any(m => m.UniqueAddress.Equals(cluster.SelfUniqueAddress)))
        {
            return new ClusterCommandRefused(
                "join",
                $"{cluster.SelfAddress} is already a member of another cluster; it can join {address} only after leaving (cluster leave) and restarting");
        }

        cluster.Join(address);
        return Done(cluster, "join", address);
    }

    /// <summary>
    /// A member's address from akka.tcp://ClusterQueue@host:port or host:port; null when it is neither.
    /// </summary>
    public static Address? Parse(string text)
    {
        var full = text.Contains("://", StringComparison.Ordinal) ? text : $"akka.tcp://{ClusterNames.ActorSystem}@{text}";
        try
        {
            var address = Address.Parse(full);
            return address.Host is null || address.Port is null or <= 0 ? null : address;
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    private static IClusterQueueMessage OnMember(Cluster cluster, string command, string text, Func<Address, IClusterQueueMessage> apply)
    {
        if (Parse(text) is not { } address)
        {
            return NotAnAddress(command, text);
        }

        var members = cluster.State.Members.Select(m => m.Address).ToList();
        return members.Contains(address)
            ? apply(address)
            : new ClusterCommandRefused(
                command,
                $"{address} is not a member of this cluster; members: {string.Join(", ", members.Select(m => m.ToString()).Order(StringComparer.Ordinal))}");
    }

    private static ClusterCommandRefused NotAnAddress(string command, string text) =>
        new(command, $"'{text}' is not a member address: write host:port or akka.tcp://{ClusterNames.ActorSystem}@host:port");

    private static ClusterCommandDone Done(Cluster cluster, string command, params Address[] addresses) =>
        new(command, cluster.SelfAddress.ToString(), addresses.Select(a => a.ToString()).ToList());
}
