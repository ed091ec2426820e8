using ClusterQueue.Broker.Topics;
using ClusterQueue.Protocol.Topics;
using static ClusterQueue.Broker.Tests.Topics.TopicHarness;

namespace ClusterQueue.Broker.Tests.Topics;

/// <summary>A backlog deeper than the memory window: held as ranges, payloads read back as a group reaches them.</summary>
public sealed class TopicBacklogStateSpec
{
    private readonly TopicHarness _topic = new(memoryWindow: 3);

    [Fact]
    public void Deleting_a_group_lets_go_of_a_message_past_the_memory_window_that_the_other_group_acked_ahead()
    {
        _topic.Subscribe("billing", "b1", credit: 1);
        _topic.Subscribe("abandoned", "x1", credit: 1);
        _topic.Publish("m1", "m2", "m3", "m4", "m5");
        Assert.DoesNotContain(5L, _topic.State.Messages.Keys);
        _topic.Ack("billing", 5);

        _topic.Reply<GroupDeleted>(new DeleteGroup(_topic.Topic, "abandoned"));

        Assert.Equal([1L, 2L, 3L, 4L], _topic.State.HeldSequenceNrs);
    }

    [Fact]
    public void A_backlog_past_the_memory_window_stays_in_the_journal_until_a_group_reaches_it_and_arrives_in_order()
    {
        _topic.Publish([.. Enumerable.Range(1, 10).Select(n => $"m{n}")]);
        Assert.Equal(10, _topic.State.Pending);
        Assert.Equal([1L, 2L, 3L], _topic.State.Messages.Keys);

        var (_, deliveries, _) = _topic.Run(new Subscribe(_topic.Topic, "billing", "b1", StartPosition.Earliest, 100));
        var delivered = Flatten(deliveries).Select(d => d.Seq).ToList();
        var readBackFrom = _topic.ReadBackFrom;
        while (readBackFrom is { } from)
        {
            Assert.Equal(delivered[^1] + 1, from);
            var more = _topic.ReadBack(from);
            delivered.AddRange(Flatten(more.Deliveries).Select(d => d.Seq));
            readBackFrom = more.ReadBackFrom;
        }

        Assert.Equal(Enumerable.Range(1, 10).Select(n => (long)n), delivered);
        Assert.Equal(10, _topic.Ack("billing", [.. delivered]).Applied);
        Assert.Equal(0, _topic.State.Pending);
        Assert.Empty(_topic.State.Messages);
    }

    [Fact]
    public void A_snapshot_of_a_deep_backlog_holds_one_range_and_needs_no_payload_at_once()
    {
        var topic = new TopicHarness(memoryWindow: 10);
        for (var batch = 0; batch < 10; batch++)
        {
            topic.Publish([.. Enumerable.Range(1, 100).Select(n => $"m{n}")]);
        }

        var snapshot = topic.State.ToSnapshot();

        Assert.Equal([new SequenceRange(1, 1000)], snapshot.Held);
        Assert.Empty(snapshot.NeededSequenceNrs);
        Assert.Equal(10, topic.State.Messages.Count);
        Assert.Equal(1000, TopicState.FromSnapshot(topic.Topic, snapshot, new Dictionary<long, StoredMessage>()).Pending);
    }

    [Fact]
    public void A_message_acked_by_one_group_leaves_memory_while_another_group_far_behind_still_holds_it()
    {
        _topic.Subscribe("audit", "a1", credit: 1, StartPosition.Earliest);
        _topic.Subscribe("billing", "b1", credit: 100);
        var (_, deliveries, _) = _topic.Run(new Publish(_topic.Topic, "p1", [.. Enumerable.Range(1, 8).Select(n => Message(n, $"m{n}"))]));
        var billing = Flatten(deliveries.Where(d => d.Group == "billing")).Select(d => d.Seq).ToList();
        for (var from = _topic.ReadBackFrom; from is { } next;)
        {
            var more = _topic.ReadBack(next);
            billing.AddRange(Flatten(more.Deliveries.Where(d => d.Group == "billing")).Select(d => d.Seq));
            from = more.ReadBackFrom;
        }

        Assert.Equal(Enumerable.Range(1, 8).Select(n => (long)n), billing);
        _topic.Ack("billing", [.. billing]);

        // audit holds 1 leased and 2 to 4 in its window; 5 to 8 wait in the journal for it.
        Assert.Equal(8, _topic.State.Pending);
        Assert.Equal([1L, 2L, 3L, 4L], _topic.State.Messages.Keys);
    }
}
