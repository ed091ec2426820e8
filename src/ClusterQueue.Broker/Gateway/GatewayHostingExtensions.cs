using Akka.Cluster.Tools.Client;
using Akka.Hosting;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Gateway;

public static class GatewayHostingExtensions
{
    /// <summary>
    /// Starts the gateway actor and registers it with the ClusterClient receptionist, so clients
    /// outside the cluster (cq, gateway-mode applications) can reach it. Topic commands it
    /// receives go to the topic region, so call this after <see cref="TopicHostingExtensions.WithClusterQueueTopics"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterQueueGateway(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) =>
        {
            var gateway = system.ActorOf(GatewayActor.Props(registry.Get<TopicRegion>()), ClusterNames.Gateway);
            ClusterClientReceptionist.Get(system).RegisterService(gateway);
        });
}
