using Akka.Actor;
using Akka.Cluster;
using ClusterQueue.Protocol.Membership;
using static Akka.Cluster.ClusterEvent;

namespace ClusterQueue.Broker.Gateway;

/// <summary>
/// Sends one watcher (cq's `cluster tail`) the node's membership and reachability changes: first
/// the current state as changes, then each as it happens. Ends when the watch is not renewed
/// within <see cref="ClusterWatch.Expiry"/> or the watcher says stop.
/// </summary>
public sealed class ClusterWatcher : ReceiveActor, IWithTimers
{
    private readonly IActorRef _watcher;
    private readonly Cluster _cluster = Cluster.Get(Context.System);

    public ClusterWatcher(IActorRef watcher)
    {
        _watcher = watcher;
        Receive<WatchCluster>(_ =>
        {
            Renewed();
            _watcher.Tell(ClusterWatched.Instance);
        });
        Receive<StopWatchingCluster>(_ => Context.Stop(Self));
        Receive<Expired>(_ => Context.Stop(Self));
        Receive<IMemberEvent>(e =>
        {
            if (KindOf(e) is { } kind)
            {
                Tell(kind, e.Member.Address);
            }
        });
        Receive<UnreachableMember>(e => Tell(ClusterChangeKind.Unreachable, e.Member.Address));
        Receive<ReachableMember>(e => Tell(ClusterChangeKind.Reachable, e.Member.Address));
        Receive<LeaderChanged>(e => Tell(ClusterChangeKind.LeaderChanged, e.Leader));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef watcher) => Akka.Actor.Props.Create(() => new ClusterWatcher(watcher));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, InitialStateAsEvents, typeof(IMemberEvent), typeof(IReachabilityEvent), typeof(LeaderChanged));
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private static ClusterChangeKind? KindOf(IMemberEvent change) => change switch
    {
        MemberJoined => ClusterChangeKind.MemberJoined,
        MemberUp => ClusterChangeKind.MemberUp,
        MemberWeaklyUp => ClusterChangeKind.MemberWeaklyUp,
        MemberLeft => ClusterChangeKind.MemberLeft,
        MemberExited => ClusterChangeKind.MemberExited,
        MemberDowned => ClusterChangeKind.MemberDowned,
        MemberRemoved => ClusterChangeKind.MemberRemoved,
        _ => null,
    };

    private void Renewed() => Timers.StartSingleTimer(Expired.Instance, Expired.Instance, ClusterWatch.Expiry);

    private void Tell(ClusterChangeKind kind, Address? address) =>
        _watcher.Tell(new ClusterChange(DateTimeOffset.UtcNow, _cluster.SelfAddress.ToString(), kind, address?.ToString() ?? ""));

    private sealed class Expired
    {
        public static readonly Expired Instance = new();
    }
}
