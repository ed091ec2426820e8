namespace ClusterQueue.Protocol.Membership;

/// <summary>
/// Asks the answering node to send its membership and reachability changes to the sender. Sent
/// again every few seconds: it keeps the watch (and a gateway's response tunnel) alive; a watch
/// not renewed for <see cref="ClusterWatch.Expiry"/> ends.
/// </summary>
public sealed class WatchCluster : IClusterQueueMessage
{
    public static readonly WatchCluster Instance = new();

    private WatchCluster()
    {
    }
}

/// <summary>
/// Answers each <see cref="WatchCluster"/>: a quiet cluster still sends the watcher something, so a
/// gateway's response tunnel (closed after 30 s without traffic) stays open.
/// </summary>
public sealed class ClusterWatched : IClusterQueueMessage
{
    public static readonly ClusterWatched Instance = new();

    private ClusterWatched()
    {
    }
}

/// <summary>Ends the sender's watch at once.</summary>
public sealed class StopWatchingCluster : IClusterQueueMessage
{
    public static readonly StopWatchingCluster Instance = new();

    private StopWatchingCluster()
    {
    }
}

/// <summary>One change of membership or reachability, as the watched node saw it.</summary>
/// <param name="Kind">What happened (<see cref="ClusterChangeKind"/>).</param>
/// <param name="Address">The member it happened to (the new leader for <see cref="ClusterChangeKind.LeaderChanged"/>; empty when there is none).</param>
public sealed record ClusterChange(DateTimeOffset At, string Node, ClusterChangeKind Kind, string Address) : IClusterQueueMessage;

/// <summary>Kinds of cluster change; numbers are stable on the wire.</summary>
public enum ClusterChangeKind
{
    MemberJoined = 0,
    MemberUp = 1,
    MemberLeft = 2,
    MemberExited = 3,
    MemberDowned = 4,
    MemberRemoved = 5,
    Unreachable = 6,
    Reachable = 7,
    LeaderChanged = 8,
    MemberWeaklyUp = 9,
}

public static class ClusterWatch
{
    /// <summary>How often a watcher renews its watch.</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(3);

    /// <summary>A watch not renewed for this long ends (the watcher went away without saying so).</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(15);
}
