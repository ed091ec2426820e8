using Akka.Cluster.Tools.Client;
using Akka.Hosting;
using ClusterQueue.Protocol;

namespace ClusterQueue.Broker.Gateway;

public static class GatewayHostingExtensions
{
    /// <summary>
    /// Starts the gateway actor and registers it with the ClusterClient receptionist, so clients
    /// outside the cluster (cq, gateway-mode applications) can reach it.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterQueueGateway(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, _) =>
        {
            var gateway = system.ActorOf(GatewayActor.Props(), ClusterNames.Gateway);
            ClusterClientReceptionist.Get(system).RegisterService(gateway);
        });
}
