using System.Threading.Channels;
using Akka.Actor;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Client;

/// <summary>
/// Watches the cluster through one node's gateway: renews the watch every <see cref="ClusterWatch.RenewEvery"/>
/// and writes each change it is sent for its caller. A real actor, not an Ask: changes keep coming.
/// </summary>
internal sealed class ClusterTail : ReceiveActor, IWithTimers
{
    private readonly IActorRef _gateway;
    private readonly ChannelWriter<ClusterChange> _changes;

    public ClusterTail(IActorRef gateway, ChannelWriter<ClusterChange> changes)
    {
        _gateway = gateway;
        _changes = changes;
        Receive<ClusterChange>(change => _changes.TryWrite(change));
        Receive<ClusterWatched>(_ => { });
        Receive<Renew>(_ => Send(WatchCluster.Instance));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef gateway, ChannelWriter<ClusterChange> changes) =>
        Akka.Actor.Props.Create(() => new ClusterTail(gateway, changes));

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

    private void Send(IClusterQueueMessage message) => _gateway.Tell(message);

    private sealed class Renew
    {
        public static readonly Renew Instance = new();
    }
}
