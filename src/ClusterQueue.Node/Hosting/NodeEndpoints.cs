using Akka.Actor;
using Akka.Cluster;
using ClusterQueue.Broker.Gateway;

namespace ClusterQueue.Node.Hosting;

/// <summary>The node's HTTP endpoints: health for orchestrators, membership for operators' scripts, metrics for Prometheus.</summary>
public static class NodeEndpoints
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    public const string MembersPath = "/cluster/members";
    public const string MetricsPath = "/metrics";

    public static IEndpointRouteBuilder MapNodeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Live: the process answers and its ActorSystem still runs; a failing probe restarts the node.
        endpoints.MapGet(LivePath, (ActorSystem system) => system.WhenTerminated.IsCompleted
            ? Results.Text("terminated", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("live"));

        // Ready: this node is an Up member, so it can host topics and serve clients.
        endpoints.MapGet(ReadyPath, (ActorSystem system) =>
        {
            var status = Cluster.Get(system).SelfMember.Status;
            return status == MemberStatus.Up
                ? Results.Text("ready")
                : Results.Text($"not ready: member status {status}", statusCode: StatusCodes.Status503ServiceUnavailable);
        });

        endpoints.MapGet(MembersPath, (ActorSystem system) => Results.Json(MembershipSnapshot.Of(Cluster.Get(system))));

        // The broker's meter (see BrokerMetrics) in Prometheus' text format, registered in NodeHost.
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath);
        return endpoints;
    }
}
