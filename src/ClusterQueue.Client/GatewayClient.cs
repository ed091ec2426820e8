using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Membership;
using ClusterQueue.Protocol.Serialization;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client;

/// <summary>
/// A connection from outside the cluster, through the ClusterClient receptionist of the broker
/// nodes: the client joins no cluster, and any contact point that answers will do.
/// </summary>
public sealed class GatewayClient : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly IActorRef _clusterClient;
    private readonly GatewayClientOptions _options;

    private GatewayClient(ActorSystem system, IActorRef clusterClient, GatewayClientOptions options)
    {
        _system = system;
        _clusterClient = clusterClient;
        _options = options;
    }

    public static GatewayClient Connect(GatewayClientOptions options)
    {
        if (options.ContactPoints.Count == 0)
        {
            throw new ArgumentException("at least one contact point is needed", nameof(options));
        }

        var contacts = string.Join(", ", options.ContactPoints.Select(c => $"\"{c.ReceptionistPath}\""));
        var config = ConfigurationFactory.ParseString(
                $$"""
                akka {
                  actor.provider = remote
                  remote.dot-netty.tcp { hostname = "{{options.ClientHost}}", port = 0 }
                  # A client's own Akka chatter (connection retries) would drown a tool's output.
                  loglevel = ERROR
                  stdout-loglevel = ERROR
                  log-dead-letters = off
                  cluster.client {
                    initial-contacts = [{{contacts}}]
                    # ClusterClient's protobuf envelope around our own serializer, not JSON.
                    use-legacy-serialization = off
                    establishing-get-contacts-interval = 1s
                  }
                }
                """)
            .WithFallback(ClusterQueueSerializer.Configuration)
            .WithFallback(ClusterClientReceptionist.DefaultConfig());
        var system = ActorSystem.Create("cq-client", config);
        var clusterClient = system.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(system)), "gateway-client");
        return new GatewayClient(system, clusterClient, options);
    }

    /// <summary>Cluster membership as the answering node sees it.</summary>
    /// <exception cref="ClusterUnreachableException">No node answered within the request timeout.</exception>
    public Task<ClusterMembers> GetClusterMembersAsync(CancellationToken cancellationToken = default) =>
        AskAsync<ClusterMembers>(GetClusterMembers.Instance, cancellationToken);

    /// <summary>
    /// Sends a topic command and returns the topic's answer: the command's reply, or a
    /// <see cref="TopicError"/> naming why it was refused.
    /// </summary>
    /// <exception cref="ClusterUnreachableException">No answer within the request timeout.</exception>
    public Task<IClusterQueueMessage> RequestAsync(ITopicCommand command, CancellationToken cancellationToken = default) =>
        AskAsync<IClusterQueueMessage>(command, cancellationToken);

    private async Task<TReply> AskAsync<TReply>(IClusterQueueMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _clusterClient.Ask<TReply>(
                new ClusterClient.Send(ClusterNames.GatewayPath, request, localAffinity: true),
                _options.RequestTimeout,
                cancellationToken);
        }
        catch (AskTimeoutException)
        {
            throw new ClusterUnreachableException(_options.ContactPoints, _options.RequestTimeout);
        }
    }

    public async ValueTask DisposeAsync() => await _system.Terminate();
}
