using Akka.Cluster;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Broker.Gateway;

public static class MembershipSnapshot
{
    /// <summary>Membership as this node sees it now, members in address order.</summary>
    public static ClusterMembers Of(Cluster cluster)
    {
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.UniqueAddress).ToHashSet();
        return new ClusterMembers(
            cluster.SelfAddress.ToString(),
            state.Leader?.ToString(),
            state.Members
                .Select(m => new ClusterMember(
                    m.Address.ToString(),
                    m.Roles.Order(StringComparer.Ordinal).ToList(),
                    m.Status.ToString(),
                    m.AppVersion.ToString(),
                    !unreachable.Contains(m.UniqueAddress)))
                .ToList());
    }
}
