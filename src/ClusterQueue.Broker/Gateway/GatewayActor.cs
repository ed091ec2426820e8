using Akka.Actor;
using Akka.Cluster;
using ClusterQueue.Protocol.Membership;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Gateway;

/// <summary>
/// The entry point for clients outside the cluster: registered with the ClusterClient receptionist
/// on every broker node, it answers what a client asks of the cluster.
/// </summary>
public sealed class GatewayActor : ReceiveActor
{
    public GatewayActor(IActorRef topics)
    {
        var cluster = Cluster.Get(Context.System);
        Receive<GetClusterMembers>(_ => Sender.Tell(MembershipSnapshot.Of(cluster)));
        Receive<ITopicCommand>(command =>
        {
            // Sharding silently drops a message whose entity id is empty; answer it here instead.
            if (TopicNames.ValidateTopic(command.Topic) is { } problem)
            {
                Sender.Tell(new TopicError(command.Topic ?? "", ErrorCode.InvalidTopicName, problem));
                return;
            }

            topics.Forward(command);
        });
    }

    /// <param name="topics">The topic shard region (or proxy) that topic commands go to.</param>
    public static Props Props(IActorRef topics) => Akka.Actor.Props.Create(() => new GatewayActor(topics));
}
