using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Client;

/// <summary>
/// A connection from outside the cluster, through the ClusterClient receptionist of the broker
/// nodes: the client joins no cluster, and any contact point that answers will do.
/// </summary>
public sealed class GatewayClient : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly GatewayClientOptions _options;

    /// <summary>Started on first use: what concerns the contacted node alone (join, down-unreachable, tail) needs none.</summary>
    private readonly Lazy<IActorRef> _clusterClient;
    private readonly Lazy<IActorRef> _topics;

    private GatewayClient(ActorSystem system, GatewayClientOptions options)
    {
        _system = system;
        _options = options;
        _clusterClient = new Lazy<IActorRef>(() => system.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(system)), "gateway-client"));
        _topics = new Lazy<IActorRef>(() => system.ActorOf(Akka.Actor.Props.Create(() => new GatewayTopics(_clusterClient.Value)), "topics"));
    }

    /// <summary>The client's own actor system, where producers and consumers run.</summary>
    public ActorSystem System => _system;

    /// <summary>Where topic commands go: each is sent on to a broker's gateway, and the answer comes back to its sender.</summary>
    public IActorRef Topics => _topics.Value;

    public static GatewayClient Connect(GatewayClientOptions options)
    {
        if (options.ContactPoints.Count == 0)
        {
            throw new ArgumentException("at least one contact point is needed", nameof(options));
        }

        var config = ClientHocon.Gateway(options.ContactPoints, options.ClientHost, clientPort: 0);
        return new GatewayClient(ActorSystem.Create("cq-client", config), options);
    }

    /// <summary>Cluster membership as the answering node sees it.</summary>
    /// <exception cref="ClusterUnreachableException">No node answered within the request timeout.</exception>
    public Task<ClusterMembers> GetClusterMembersAsync(CancellationToken cancellationToken = default) =>
        AskAsync<ClusterMembers>(GetClusterMembers.Instance, cancellationToken);

    /// <summary>
    /// Sends a request (a topic command, a cluster command, a sharding query) and returns the
    /// answer: the reply, or the message naming why it was refused.
    /// </summary>
    /// <exception cref="ClusterUnreachableException">No answer within the request timeout.</exception>
    public Task<IClusterQueueMessage> RequestAsync(IClusterQueueMessage request, CancellationToken cancellationToken = default) =>
        AskAsync<IClusterQueueMessage>(request, cancellationToken);

    /// <summary>
    /// Sends a request about the contacted node itself (join, down what it sees unreachable) to its
    /// gateway (see <see cref="ContactedGatewayAsync"/>) and returns the answer.
    /// </summary>
    /// <exception cref="ClusterUnreachableException">No contact point answered within the request timeout.</exception>
    public async Task<IClusterQueueMessage> RequestOfContactedNodeAsync(IClusterQueueMessage request, CancellationToken cancellationToken = default)
    {
        var gateway = await ContactedGatewayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await gateway.Ask<IClusterQueueMessage>(request, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new ClusterUnreachableException(_options.ContactPoints, _options.RequestTimeout);
        }
    }

    /// <summary>
    /// The contacted node's membership and reachability changes: first its current view as
    /// changes, then each as it happens, until cancelled.
    /// </summary>
    /// <exception cref="ClusterUnreachableException">No contact point answered within the request timeout.</exception>
    public async IAsyncEnumerable<ClusterChange> TailClusterAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var gateway = await ContactedGatewayAsync(cancellationToken).ConfigureAwait(false);
        var changes = Channel.CreateUnbounded<ClusterChange>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var tail = _system.ActorOf(ClusterTail.Props(gateway, changes.Writer));
        try
        {
            while (await changes.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (changes.Reader.TryRead(out var change))
                {
                    yield return change;
                }
            }
        }
        finally
        {
            _system.Stop(tail);
        }
    }

    /// <summary>
    /// The gateway of the first contact point that answers, reached directly over remoting, for
    /// what concerns that node itself: the receptionist may hand the client to another member,
    /// which would act and answer in its place (and a tail through a member that leaves would
    /// miss the rest).
    /// </summary>
    private async Task<IActorRef> ContactedGatewayAsync(CancellationToken cancellationToken)
    {
        foreach (var contact in _options.ContactPoints)
        {
            var selection = _system.ActorSelection(contact.GatewayPath);
            try
            {
                if ((await selection.Ask<ActorIdentity>(new Identify(null), _options.RequestTimeout, cancellationToken).ConfigureAwait(false)).Subject is { } gateway)
                {
                    return gateway;
                }
            }
            catch (AskTimeoutException)
            {
                // Not this one: the next contact point.
            }
        }

        throw new ClusterUnreachableException(_options.ContactPoints, _options.RequestTimeout);
    }

    private async Task<TReply> AskAsync<TReply>(IClusterQueueMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _clusterClient.Value.Ask<TReply>(
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
