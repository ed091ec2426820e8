using System.Text.Json;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Protocol.Topics;
using static ClusterQueue.Broker.Tests.Topics.TopicHarness;

namespace ClusterQueue.Broker.Tests.Topics;

public sealed class TopicSnapshotSpec
{
    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true };

    /// <summary>A topic with something in every part of its state.</summary>
    private static TopicHarness BusyTopic()
    {
        var topic = new TopicHarness();
        topic.Reply<TopicConfigured>(new ConfigureTopic(topic.Topic, TopicSettings.Default with { MaxDeliveries = 2, MessageIdWindow = 10 }));
        topic.Subscribe("billing", "b1", credit: 2);
        topic.Subscribe("audit", "a1", credit: 5);
        topic.Reply<PublishResult>(new Publish(topic.Topic, "p1",
            [Message(1, "a", "id-a"), Message(2, "b"), Message(3, "c", delay: TimeSpan.FromMinutes(5)), Message(4, "d")]));
        topic.Reply<PublishResult>(new Publish(topic.Topic, "p2", [Message(1, "e", "id-e")]));
        topic.Ack("audit", 1, 2);
        topic.Run(new Nack(topic.Topic, "billing", [2], TimeSpan.FromSeconds(30)));
        topic.Run(new Nack(topic.Topic, "billing", [1]));
        topic.Run(new Nack(topic.Topic, "billing", [1]));
        return topic;
    }

    private static TopicState Restore(TopicState original)
    {
        var snapshot = original.ToSnapshot();
        var journal = original.Messages.Values
            .Concat(original.Outbox.Values.Select(o => o.Message).OfType<StoredMessage>())
            .Concat(original.Replays.Values.OfType<StoredMessage>())
            .DistinctBy(m => m.SequenceNr)
            .ToDictionary(m => m.SequenceNr);
        Assert.All(snapshot.NeededSequenceNrs, seq => Assert.True(journal.ContainsKey(seq)));
        return TopicState.FromSnapshot(original.Name, snapshot, journal);
    }

    [Fact]
    public void A_snapshot_restores_cursors_leases_dedup_and_dead_letters_exactly()
    {
        var topic = BusyTopic();
        Assert.NotEmpty(topic.State.Outbox);

        var restored = Restore(topic.State);

        Assert.Equal(JsonSerializer.Serialize(topic.State.ToSnapshot(), Json), JsonSerializer.Serialize(restored.ToSnapshot(), Json));
        Assert.Equal(topic.State.Pending, restored.Pending);
    }

    [Fact]
    public void A_restored_topic_behaves_as_the_original()
    {
        var topic = BusyTopic();
        var restored = Restore(topic.State);
        restored.MarkDurable(restored.NextSeq - 1);
        var later = topic.Now + TimeSpan.FromMinutes(6);

        var retry = restored.Handle(new Publish(topic.Topic, "p1", [Message(4, "d"), Message(9, "x", "id-e")]), topic.Now);
        var resubscribed = restored.Handle(new Subscribe(topic.Topic, "billing", "b2", StartPosition.New, 10), later);

        Assert.Equal([PublishOutcome.Repeated(4, 4), PublishOutcome.Repeated(9, 5)], Assert.IsType<PublishResult>(retry.Reply).Outcomes);
        var tick = restored.Tick(later);
        var delivered = Flatten(resubscribed.Deliveries.Concat(tick.Deliveries)).Select(d => (d.Seq, d.Attempt)).Order().ToList();
        // 4 and 5 were leased to b1, which the restored topic does not know: delivered again.
        Assert.Equal([(2L, 2), (3L, 1), (4L, 2), (5L, 2)], delivered);
    }

    [Fact]
    public void A_snapshot_carries_no_payload()
    {
        var types = new[] { typeof(TopicSnapshot), typeof(GroupSnapshot), typeof(LeaseSnapshot), typeof(WaitSnapshot), typeof(AttemptsSnapshot), typeof(ProducerSnapshot), typeof(ProducerEntrySnapshot), typeof(MessageIdSnapshot), typeof(DeadLetter) };

        var properties = types.SelectMany(t => t.GetProperties()).Select(p => p.PropertyType).ToList();

        Assert.DoesNotContain(typeof(byte[]), properties);
        Assert.DoesNotContain(typeof(StoredMessage), properties);
        Assert.DoesNotContain(properties, t => t.IsGenericType && t.GetGenericArguments().Contains(typeof(StoredMessage)));
    }
}
