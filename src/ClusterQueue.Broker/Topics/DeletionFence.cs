namespace ClusterQueue.Broker.Topics;

/// <summary>
/// Keeps a topic that took over from deleting the journal events a stale incarnation of it would
/// write over. A stale incarnation (on a node downed while paused or cut off, still running) writes
/// its next events at the numbers after those it knew, which are the ones its successor recovered
/// and wrote after. The journal's unique (persistence id, sequence number) refuses such a write only
/// while the successor's event of that number is there: once deleted, the write lands unseen and
/// confirms messages no recovery reads. So until <paramref name="HoldsUntil"/> the journal is
/// deleted at most up to <paramref name="RecoveredThrough"/>.
/// </summary>
/// <remarks>
/// It covers one takeover: should the topic move again while the stale incarnation still sleeps,
/// the next one fences at its own, later recovery point, below which the stale numbers lie.
/// </remarks>
public sealed record DeletionFence(long RecoveredThrough, DateTimeOffset HoldsUntil)
{
    /// <summary>A topic not yet recovered deletes nothing.</summary>
    public static DeletionFence BeforeRecovery { get; } = new(0, DateTimeOffset.MaxValue);

    /// <summary>How far the journal may be deleted at <paramref name="now"/> when the snapshot and the held messages allow <paramref name="deletable"/>.</summary>
    public long DeletableThrough(long deletable, DateTimeOffset now) =>
        now < HoldsUntil ? Math.Min(deletable, RecoveredThrough) : deletable;
}
