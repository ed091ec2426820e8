using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Client;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client;

/// <summary>
/// Where a client's topic commands go, and the ActorRegistry key it is registered under: a shard
/// region proxy in member mode, a forwarder to the brokers' gateways in gateway mode. Either way a
/// command's answer comes back to its sender.
/// </summary>
public sealed class ClusterQueueTopics
{
    private ClusterQueueTopics()
    {
    }

    /// <summary>Starts the endpoint in a system configured by <see cref="ClientHocon.For"/>.</summary>
    internal static IActorRef Start(ActorSystem system, QueueClientOptions options)
    {
        if (options.Mode == ConnectionMode.Member)
        {
            if (system.Name != ClusterNames.ActorSystem)
            {
                throw new InvalidOperationException(
                    $"a member of the cluster must run in an actor system named '{ClusterNames.ActorSystem}', not '{system.Name}'; name it so or use gateway mode");
            }

            return ClusterSharding.Get(system).StartProxy(TopicRegion.Name, NodeRoles.Broker, new TopicMessageExtractor(options.Shards));
        }

        var clusterClient = system.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(system)), "cq-gateway-client");
        return system.ActorOf(Props.Create(() => new GatewayTopics(clusterClient)), "cq-topics");
    }
}

/// <summary>Sends topic commands and cluster queries through the ClusterClient to a broker's gateway, keeping each one's sender for the answer.</summary>
internal sealed class GatewayTopics : ReceiveActor
{
    public GatewayTopics(IActorRef clusterClient) =>
        Receive<IClusterQueueMessage>(request => clusterClient.Forward(new ClusterClient.Send(ClusterNames.GatewayPath, request, localAffinity: true)));
}
