using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Client;

/// <summary>
/// Watches the cluster through a gateway: renews the watch every <see cref="ClusterWatch.RenewEvery"/>
/// and writes each change it is sent for its caller. A real actor, not an Ask: the gateway's
/// response tunnel closes after the first reply to an Ask.
/// </summary>
internal sealed class ClusterTail : ReceiveActor, IWithTimers
{
    private readonly IActorRef _clusterClient;
    private readonly ChannelWriter<ClusterChange> _changes;

    public ClusterTail(IActorRef clusterClient, ChannelWriter<ClusterChange> changes)
    {
        _clusterClient = clusterClient;
        _changes = changes;
        Receive<ClusterChange>(change => _changes.TryWrite(change));
        Receive<ClusterWatched>(_ => { });
        Receive<Renew>(_ => Send(WatchCluster.Instance));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef clusterClient, ChannelWriter<ClusterChange> changes) =>
        Akka.Actor.Props.Create(() => new ClusterTail(clusterClient, changes));

    protected override void PreStart()
    {
        Send(WatchCluster.Instance);
        Timers.StartPeriodicTimer(Renew.Instance, Renew.Instance, ClusterWatch.RenewEvery);
    }

    protected override void PostStop()
    {
        Send(StopWatchingCluster.Instance);
        _changes.TryComplete();
    }

    private void Send(IClusterQueueMessage message) =>
        _clusterClient.Tell(new ClusterClient.Send(ClusterNames.GatewayPath, message, localAffinity: true));

    private sealed class Renew
    {
        public static readonly Renew Instance = new();
    }
}
