using Akka.Actor;
using Akka.Cluster;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Broker.Gateway;

/// <summary>
/// The entry point for clients outside the cluster: registered with the ClusterClient receptionist
/// on every broker node, it answers what a client asks of the cluster.
/// </summary>
public sealed class GatewayActor : ReceiveActor
{
    public GatewayActor()
    {
        var cluster = Cluster.Get(Context.System);
        Receive<GetClusterMembers>(_ => Sender.Tell(MembershipSnapshot.Of(cluster)));
    }

    public static Props Props() => Akka.Actor.Props.Create<GatewayActor>();
}
