using ClusterQueue.Broker.Topics;

namespace ClusterQueue.Broker.Tests.Topics;

public sealed class DeletionFenceSpec
{
    private static readonly DateTimeOffset Started = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void While_the_fence_holds_nothing_past_the_recovered_events_is_deleted()
    {
        var fence = new DeletionFence(RecoveredThrough: 40, HoldsUntil: Started.AddSeconds(60));

        Assert.Equal(40, fence.DeletableThrough(900, Started));
        Assert.Equal(40, fence.DeletableThrough(900, Started.AddSeconds(59.999)));
    }

    [Fact]
    public void While_the_fence_holds_less_than_the_recovered_events_is_deleted_as_housekeeping_allows()
    {
        var fence = new DeletionFence(RecoveredThrough: 40, HoldsUntil: Started.AddSeconds(60));

        Assert.Equal(25, fence.DeletableThrough(25, Started));
    }

    [Fact]
    public void Once_the_fence_has_passed_housekeeping_alone_decides()
    {
        var fence = new DeletionFence(RecoveredThrough: 40, HoldsUntil: Started.AddSeconds(60));

        Assert.Equal(900, fence.DeletableThrough(900, Started.AddSeconds(60)));
    }

    [Fact]
    public void A_topic_not_yet_recovered_deletes_nothing()
    {
        Assert.Equal(0, DeletionFence.BeforeRecovery.DeletableThrough(900, DateTimeOffset.MaxValue.AddTicks(-1)));
    }
}
