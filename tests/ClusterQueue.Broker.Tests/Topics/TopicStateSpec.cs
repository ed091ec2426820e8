using ClusterQueue.Broker.Topics;
using ClusterQueue.Protocol.Topics;
using static ClusterQueue.Broker.Tests.Topics.TopicHarness;

namespace ClusterQueue.Broker.Tests.Topics;

public sealed class TopicStateSpec
{
    private readonly TopicHarness _topic = new();

    private TopicStats Stats() => _topic.Reply<TopicStats>(new GetTopicStats(_topic.Topic));

    [Fact]
    public void Publishing_creates_the_topic_with_defaults_and_numbers_messages_from_one()
    {
        var seqs = _topic.Publish("a", "b", "c");

        Assert.Equal([1L, 2L, 3L], seqs);
        Assert.Equal(TopicSettings.Default, _topic.State.Settings);
        Assert.Equal(3, Stats().Pending);
    }

    [Fact]
    public void Nothing_is_delivered_before_its_batch_is_durable()
    {
        _topic.Subscribe("billing", "c1");

        var output = _topic.State.Handle(new Publish(_topic.Topic, "p1", [Message(1, "a")]), _topic.Now);

        Assert.Empty(output.Deliveries);
        Assert.Empty(_topic.State.Dispatch(_topic.Now).Deliveries);
        _topic.State.MarkDurable(1);
        Assert.Equal("a", Text(Assert.Single(Assert.Single(_topic.State.Dispatch(_topic.Now).Deliveries).Messages)));
    }

    [Fact]
    public void A_retried_producer_number_is_confirmed_with_its_original_sequence_number_and_stored_once()
    {
        var first = _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p1", [Message(7, "a"), Message(8, "b")]));

        var retry = _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p1", [Message(8, "b"), Message(9, "c"), Message(9, "c")]));

        Assert.Equal([PublishOutcome.Stored(7, 1), PublishOutcome.Stored(8, 2)], first.Outcomes);
        Assert.Equal([PublishOutcome.Repeated(8, 2), PublishOutcome.Stored(9, 3), PublishOutcome.Repeated(9, 3)], retry.Outcomes);
        Assert.Equal(3, Stats().Pending);
    }

    [Fact]
    public void Another_producer_may_use_the_same_numbers()
    {
        _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p1", [Message(1, "a")]));

        var other = _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p2", [Message(1, "b")]));

        Assert.Equal([PublishOutcome.Stored(1, 2)], other.Outcomes);
    }

    [Fact]
    public void A_repeated_message_id_within_the_window_is_confirmed_as_the_original_across_producers()
    {
        _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p1", [Message(1, "a", messageId: "order-42")]));

        var again = _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p2", [Message(1, "a", messageId: "order-42")]));

        Assert.Equal([PublishOutcome.Repeated(1, 1)], again.Outcomes);
        Assert.Equal(1, Stats().Pending);
    }

    [Fact]
    public void Message_ids_older_than_the_window_are_forgotten()
    {
        _topic.Reply<TopicConfigured>(new ConfigureTopic(_topic.Topic, TopicSettings.Default with { MessageIdWindow = 2 }));
        _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p1", [Message(1, "a", "id-1"), Message(2, "b", "id-2"), Message(3, "c", "id-3")]));

        var again = _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p1", [Message(4, "a", "id-1"), Message(5, "c", "id-3")]));

        Assert.Equal([PublishOutcome.Stored(4, 4), PublishOutcome.Repeated(5, 3)], again.Outcomes);
    }

    [Fact]
    public void Messages_wait_for_the_first_group_and_a_group_starting_earliest_gets_them_all()
    {
        _topic.Publish("a", "b");

        var (_, deliveries) = _topic.Subscribe("billing", "c1", start: StartPosition.Earliest);

        Assert.Equal([("c1", 1L, 1), ("c1", 2L, 1)], Flatten(deliveries));
    }

    [Fact]
    public void A_group_starting_new_gets_only_messages_published_after_it_was_created()
    {
        _topic.Publish("old");
        var (_, none) = _topic.Subscribe("billing", "c1");

        var deliveries = _topic.Run(new Publish(_topic.Topic, "p1", [Message(5, "new")])).Deliveries;

        Assert.Empty(none);
        Assert.Equal([("c1", 2L, 1)], Flatten(deliveries));
    }

    [Fact]
    public void Messages_that_waited_for_a_first_group_starting_new_leave_the_topic()
    {
        _topic.Publish("before");

        _topic.Subscribe("billing", "c1");

        Assert.Equal(0, Stats().Pending);
    }

    [Fact]
    public void A_group_starting_earliest_over_a_gap_of_finished_messages_still_gets_every_held_one()
    {
        _topic.Subscribe("billing", "b1", credit: 10);
        _topic.Publish("a", "b", "c");
        _topic.Ack("billing", 2);

        var (_, deliveries) = _topic.Subscribe("audit", "a1", credit: 1, start: StartPosition.Earliest);
        var next = _topic.Run(new Ack(_topic.Topic, "audit", [1])).Deliveries;

        Assert.Equal([("a1", 1L, 1)], Flatten(deliveries));
        Assert.Equal([("a1", 3L, 1)], Flatten(next));
        Assert.Empty(_topic.State.Groups["audit"].Ahead);
    }

    [Fact]
    public void A_cumulative_ack_far_beyond_the_last_message_is_cheap()
    {
        _topic.Subscribe("billing", "b1");
        _topic.Publish("a");

        var acked = _topic.Reply<AckResult>(new Ack(_topic.Topic, "billing", [], UpTo: long.MaxValue));

        Assert.Equal(1, acked.Applied);
    }

    [Fact]
    public void Consumers_of_one_group_compete_and_every_group_gets_its_own_copy()
    {
        _topic.Subscribe("billing", "b1", credit: 10);
        _topic.Subscribe("billing", "b2", credit: 10);
        _topic.Subscribe("audit", "a1", credit: 10);

        var deliveries = _topic.Run(new Publish(_topic.Topic, "p1", [Message(1, "x"), Message(2, "y")])).Deliveries;

        var billing = Flatten(deliveries.Where(d => d.Group == "billing"));
        Assert.Equal([1L, 2L], billing.Select(d => d.Seq).Order());
        Assert.Equal(2, billing.Select(d => d.Consumer).Distinct().Count());
        Assert.Equal([("a1", 1L, 1), ("a1", 2L, 1)], Flatten(deliveries.Where(d => d.Group == "audit")));
    }

    [Fact]
    public void A_message_leaves_the_topic_once_every_group_acked_it()
    {
        _topic.Subscribe("billing", "b1");
        _topic.Subscribe("audit", "a1");
        var seq = _topic.Publish("x")[0];

        Assert.Equal(1, _topic.Ack("billing", seq).Applied);
        Assert.Equal(1, Stats().Pending);
        Assert.Equal(1, _topic.Ack("audit", seq).Applied);

        Assert.Equal(0, Stats().Pending);
        Assert.True(_topic.State.IsIdle is false);
    }

    [Fact]
    public void An_unacked_message_is_delivered_again_with_a_higher_attempt_after_the_ack_timeout()
    {
        _topic.Subscribe("billing", "b1");
        _topic.Publish("x");

        Assert.Empty(_topic.Advance(TimeSpan.FromSeconds(29)).Deliveries);
        _topic.Run(new Heartbeat(_topic.Topic, "billing", "b1"));
        var again = _topic.Advance(TimeSpan.FromSeconds(1)).Deliveries;

        Assert.Equal([("b1", 1L, 2)], Flatten(again));
    }

    [Fact]
    public void A_nack_delivers_again_after_its_delay()
    {
        _topic.Subscribe("billing", "b1");
        _topic.Publish("x");

        var nacked = _topic.Run(new Nack(_topic.Topic, "billing", [1], TimeSpan.FromSeconds(5)));

        Assert.Equal(new AckResult(_topic.Topic, "billing", 1, []), nacked.Reply);
        Assert.Empty(nacked.Deliveries);
        Assert.Empty(_topic.Advance(TimeSpan.FromSeconds(4)).Deliveries);
        Assert.Equal([("b1", 1L, 2)], Flatten(_topic.Advance(TimeSpan.FromSeconds(1)).Deliveries));
    }

    [Fact]
    public void A_nack_without_delay_delivers_again_at_once()
    {
        _topic.Subscribe("billing", "b1");
        _topic.Publish("x");

        Assert.Equal([("b1", 1L, 2)], Flatten(_topic.Run(new Nack(_topic.Topic, "billing", [1])).Deliveries));
    }

    [Fact]
    public void After_max_deliveries_a_message_is_dead_lettered_for_that_group_only()
    {
        _topic.Reply<TopicConfigured>(new ConfigureTopic(_topic.Topic, TopicSettings.Default with { MaxDeliveries = 2 }));
        _topic.Subscribe("billing", "b1");
        _topic.Subscribe("audit", "a1");
        _topic.Publish("poison");
        _topic.Run(new Nack(_topic.Topic, "billing", [1]));

        var last = _topic.Run(new Nack(_topic.Topic, "billing", [1]));

        var (letter, message) = Assert.Single(last.Output.DeadLetters);
        Assert.Equal(new DeadLetter("billing", 1, DeadLetterReason.MaxDeliveries, 2, 1), letter);
        Assert.Equal("poison", System.Text.Encoding.UTF8.GetString(message.Payload));
        Assert.Empty(last.Deliveries);
        var stats = Stats();
        Assert.Equal(0, stats.Groups.Single(g => g.Group == "billing").Lag);
        Assert.Equal(1, stats.Groups.Single(g => g.Group == "billing").DeadLettered);
        Assert.Equal(1, stats.Groups.Single(g => g.Group == "audit").Lag);
        Assert.Single(_topic.State.Outbox);
    }

    [Fact]
    public void Dead_letters_stay_in_the_outbox_and_count_as_forwarding_until_the_dead_letter_topic_confirms_them()
    {
        _topic.Reply<TopicConfigured>(new ConfigureTopic(_topic.Topic, TopicSettings.Default with { MaxDeliveries = 1 }));
        _topic.Subscribe("billing", "b1");
        _topic.Publish("poison");
        _topic.Run(new Nack(_topic.Topic, "billing", [1]));
        Assert.False(_topic.State.IsIdle);
        Assert.Equal((0L, 1), (Stats().Pending, Stats().Forwarding));

        var confirmed = _topic.State.ConfirmDeadLetters([1, 99]);

        Assert.Equal([1L], Assert.IsType<DeadLettersForwarded>(Assert.Single(confirmed.Events)).DeadLetterIds);
        Assert.Empty(_topic.State.Outbox);
        Assert.Equal(0, Stats().Forwarding);
    }

    [Fact]
    public void A_dead_letter_topic_has_no_dead_letter_topic_of_its_own()
    {
        var dlq = new TopicHarness("orders.dlq");
        dlq.Reply<TopicConfigured>(new ConfigureTopic(dlq.Topic, TopicSettings.Default with { MaxDeliveries = 1 }));
        dlq.Subscribe("inspect", "i1");
        dlq.Publish("dead");

        var nacked = dlq.Run(new Nack(dlq.Topic, "inspect", [1]));

        Assert.Empty(nacked.Output.DeadLetters);
        Assert.Equal([("i1", 1L, 2)], Flatten(nacked.Deliveries));
    }

    [Fact]
    public void Replaying_a_dead_letter_topic_sends_its_oldest_messages_back_and_keeps_them_until_confirmed()
    {
        var dlq = new TopicHarness("orders.dlq");
        dlq.Subscribe("inspect", "i1", credit: 1);
        dlq.Publish("x", "y", "z");

        var run = dlq.Run(new ReplayDeadLetters(dlq.Topic, 2));

        Assert.Equal(new DeadLettersReplayed(dlq.Topic, 2), run.Reply);
        Assert.Equal([1L, 2L], run.Output.Replays.Select(m => m.SequenceNr));
        Assert.Equal([3L], dlq.State.HeldSequenceNrs);
        Assert.Equal([("i1", 3L, 1)], Flatten(run.Deliveries));
        Assert.Equal([1L, 2L], dlq.State.Replays.Keys);
        Assert.False(dlq.State.IsIdle);
        Assert.Equal(2, dlq.Reply<TopicStats>(new GetTopicStats(dlq.Topic)).Forwarding);
        dlq.State.ConfirmReplays([1, 2, 7]);
        Assert.Empty(dlq.State.Replays);
        Assert.Equal(0, dlq.Reply<TopicStats>(new GetTopicStats(dlq.Topic)).Forwarding);
    }

    [Fact]
    public void Replay_is_refused_on_a_topic_that_is_not_a_dead_letter_topic()
    {
        _topic.Publish("a");

        var error = _topic.Refused(new ReplayDeadLetters(_topic.Topic, 0), ErrorCode.NotADeadLetterOperation);

        Assert.Equal("replay is for dead-letter topics ('orders.dlq'); 'orders' is not one", error.Message);
    }

    [Fact]
    public void A_message_published_for_one_group_reaches_that_group_only()
    {
        _topic.Subscribe("billing", "b1");
        _topic.Subscribe("audit", "a1");

        var run = _topic.Run(new Publish(_topic.Topic, "orders.dlq#replay", [Message(1, "again")], ForGroup: "billing"));

        Assert.Equal([("b1", 1L, 1)], Flatten(run.Deliveries));
        Assert.Equal(0, Stats().Groups.Single(g => g.Group == "audit").Lag);
        _topic.Ack("billing", 1);
        Assert.Equal(0, Stats().Pending);
    }

    [Fact]
    public void A_consumer_never_holds_more_leases_than_its_credit_and_more_credit_lets_more_through()
    {
        var (_, _) = _topic.Subscribe("billing", "b1", credit: 2);
        var delivered = Flatten(_topic.Run(new Publish(_topic.Topic, "p1", [Message(1, "a"), Message(2, "b"), Message(3, "c")])).Deliveries);
        Assert.Equal([1L, 2L], delivered.Select(d => d.Seq));

        var more = _topic.Run(new AddCredit(_topic.Topic, "billing", "b1", 1));

        Assert.Equal([("b1", 3L, 1)], Flatten(more.Deliveries));
        Assert.Equal([("b1", 4L, 1)], Flatten(_topic.Run(new Ack(_topic.Topic, "billing", [1])).Deliveries.Concat(
            _topic.Run(new Publish(_topic.Topic, "p1", [Message(4, "d")])).Deliveries)));
    }

    [Fact]
    public void A_consumer_that_stops_heartbeating_loses_its_leases_to_the_others()
    {
        _topic.Subscribe("billing", "b1", credit: 1);
        _topic.Publish("x");
        _topic.Subscribe("billing", "b2", credit: 1);

        _topic.Advance(TimeSpan.FromSeconds(20));
        _topic.Run(new Heartbeat(_topic.Topic, "billing", "b2"));
        var afterSilence = _topic.Advance(TimeSpan.FromSeconds(10)).Deliveries;

        Assert.Equal([("b2", 1L, 2)], Flatten(afterSilence));
        _topic.Refused(new Heartbeat(_topic.Topic, "billing", "b1"), ErrorCode.UnknownConsumer);
    }

    [Fact]
    public void An_ack_keyed_by_group_and_number_counts_even_without_a_lease()
    {
        _topic.Subscribe("billing", "b1", credit: 1);
        _topic.Publish("a", "b");

        var acked = _topic.Ack("billing", 2);

        Assert.Equal(new AckResult(_topic.Topic, "billing", 1, []), acked);
        _topic.Ack("billing", 1);
        Assert.Equal(0, Stats().Pending);
    }

    [Fact]
    public void An_ack_of_an_unknown_delivery_is_reported_and_changes_nothing()
    {
        _topic.Subscribe("billing", "b1");
        _topic.Publish("a");
        _topic.Ack("billing", 1);

        var acked = _topic.Ack("billing", 1, 5);

        Assert.Equal(new AckResult(_topic.Topic, "billing", 0, [1, 5]), acked);
        _topic.Refused(new Ack(_topic.Topic, "nobody", [1]), ErrorCode.GroupNotFound);
    }

    [Fact]
    public void A_cumulative_ack_acks_everything_the_group_holds_up_to_it()
    {
        _topic.Subscribe("billing", "b1", credit: 2);
        _topic.Publish("a", "b", "c", "d");

        var acked = _topic.Reply<AckResult>(new Ack(_topic.Topic, "billing", [], UpTo: 3));

        Assert.Equal(3, acked.Applied);
        Assert.Equal(1, Stats().Pending);
    }

    [Fact]
    public void A_consumer_that_subscribes_again_gets_what_it_held_again_at_once()
    {
        _topic.Subscribe("billing", "b1", credit: 2);
        _topic.Publish("a", "b", "c");

        var (_, again) = _topic.Subscribe("billing", "b1", credit: 2);

        Assert.Equal([("b1", 1L, 2), ("b1", 2L, 2)], Flatten(again));
    }

    [Fact]
    public void A_consumer_reached_by_another_path_gets_what_it_held_again_at_once()
    {
        _topic.Subscribe("billing", "b1", credit: 2);
        _topic.Publish("a", "b", "c");

        var output = _topic.State.ConsumerMoved("billing", "b1", _topic.Now);
        _topic.State.MarkDurable(_topic.State.NextSeq - 1);

        Assert.Equal([("b1", 1L, 2), ("b1", 2L, 2)], Flatten(output.Deliveries));
        Assert.Empty(_topic.State.ConsumerMoved("billing", "nobody", _topic.Now).DurableEvents);
    }

    [Fact]
    public void A_message_is_not_dead_lettered_because_its_consumer_subscribed_again_or_stopped_but_only_for_failures()
    {
        _topic.Reply<TopicConfigured>(new ConfigureTopic(_topic.Topic, TopicSettings.Default with { MaxDeliveries = 2 }));
        _topic.Subscribe("billing", "b1", credit: 1);
        _topic.Publish("healthy");

        _topic.Subscribe("billing", "b1", credit: 1);
        _topic.Subscribe("billing", "b1", credit: 1);
        _topic.Run(new Unsubscribe(_topic.Topic, "billing", "b1"));
        var (_, back) = _topic.Subscribe("billing", "b2", credit: 1);
        var nacked = _topic.Run(new Nack(_topic.Topic, "billing", [1]));
        var dead = _topic.Run(new Nack(_topic.Topic, "billing", [1]));

        // Attempt keeps counting deliveries (4: three lost, then b2's); only the two nacked count toward max-deliveries.
        Assert.Equal([("b2", 1L, 4)], Flatten(back));
        Assert.Equal([("b2", 1L, 5)], Flatten(nacked.Deliveries));
        var letter = Assert.Single(dead.Output.DeadLetters).Letter;
        Assert.Equal((DeadLetterReason.MaxDeliveries, 5), (letter.Reason, letter.Attempts));
    }

    [Fact]
    public void First_deliveries_follow_publish_order_and_redeliveries_may_overtake()
    {
        _topic.Subscribe("billing", "b1", credit: 1);
        _topic.Publish("a", "b", "c");

        var order = new List<long>();
        order.AddRange(Flatten(_topic.Run(new Nack(_topic.Topic, "billing", [1])).Deliveries).Select(d => d.Seq));
        order.AddRange(Flatten(_topic.Run(new Ack(_topic.Topic, "billing", [1])).Deliveries).Select(d => d.Seq));
        order.AddRange(Flatten(_topic.Run(new Ack(_topic.Topic, "billing", [2])).Deliveries).Select(d => d.Seq));

        Assert.Equal([1L, 2L, 3L], order);
    }

    [Fact]
    public void Extending_a_lease_keeps_the_message_from_being_delivered_again()
    {
        _topic.Subscribe("billing", "b1");
        _topic.Publish("slow");
        _topic.Advance(TimeSpan.FromSeconds(25));

        var extended = _topic.Reply<AckResult>(new ExtendLease(_topic.Topic, "billing", "b1", [1, 9], TimeSpan.FromSeconds(30)));

        Assert.Equal(new AckResult(_topic.Topic, "billing", 1, [9]), extended);
        Assert.Empty(_topic.Advance(TimeSpan.FromSeconds(29)).Deliveries);
        _topic.Run(new Heartbeat(_topic.Topic, "billing", "b1"));
        Assert.Equal([("b1", 1L, 2)], Flatten(_topic.Advance(TimeSpan.FromSeconds(1)).Deliveries));
    }

    [Fact]
    public void A_full_topic_that_rejects_publishes_says_so_and_stores_nothing_more()
    {
        _topic.Reply<TopicConfigured>(new ConfigureTopic(_topic.Topic, TopicSettings.Default with { MaxLength = 2 }));

        var result = _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p1", [Message(1, "a"), Message(2, "b"), Message(3, "c")]));

        Assert.True(result.Outcomes[1].Confirmed);
        Assert.Equal(ErrorCode.TopicFull, result.Outcomes[2].Error);
        Assert.Equal("topic 'orders' holds its max-length of 2 messages", result.Outcomes[2].Reason);
        Assert.Equal(2, Stats().Pending);
    }

    [Fact]
    public void A_full_topic_that_dead_letters_the_oldest_makes_room_and_loses_nothing_silently()
    {
        _topic.Reply<TopicConfigured>(new ConfigureTopic(_topic.Topic, TopicSettings.Default with { MaxLength = 2, Overflow = OverflowPolicy.DeadLetterOldest }));
        _topic.Subscribe("billing", "b1", credit: 1);
        _topic.Publish("a", "b");

        var run = _topic.Run(new Publish(_topic.Topic, "p1", [Message(9, "c")]));

        Assert.True(Assert.IsType<PublishResult>(run.Reply).Outcomes[0].Confirmed);
        var (letter, _) = Assert.Single(run.Output.DeadLetters);
        Assert.Equal(new DeadLetter("billing", 1, DeadLetterReason.Overflow, 1, 1), letter);
        Assert.Equal([2L, 3L], _topic.State.HeldSequenceNrs);
    }

    [Fact]
    public void Overflow_with_no_group_dead_letters_for_every_group_to_come()
    {
        _topic.Reply<TopicConfigured>(new ConfigureTopic(_topic.Topic, TopicSettings.Default with { MaxLength = 1, Overflow = OverflowPolicy.DeadLetterOldest }));
        _topic.Publish("a");

        var run = _topic.Run(new Publish(_topic.Topic, "p1", [Message(9, "b")]));

        Assert.Equal("", Assert.Single(run.Output.DeadLetters).Letter.Group);
        Assert.Equal([("b1", 2L, 1)], Flatten(_topic.Subscribe("billing", "b1", start: StartPosition.Earliest).Deliveries));
    }

    [Theory]
    [InlineData(ExpiryPolicy.DeadLetter, 1)]
    [InlineData(ExpiryPolicy.Drop, 0)]
    public void An_expired_message_is_dead_lettered_or_dropped_per_policy(ExpiryPolicy policy, int deadLetters)
    {
        _topic.Reply<TopicConfigured>(new ConfigureTopic(_topic.Topic, TopicSettings.Default with { Expiry = policy }));
        _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p1", [Message(1, "short", ttl: TimeSpan.FromSeconds(5)), Message(2, "long")]));
        _topic.Advance(TimeSpan.FromSeconds(5));

        var run = _topic.Subscribe("billing", "b1", start: StartPosition.Earliest);

        Assert.Equal([("b1", 2L, 1)], Flatten(run.Deliveries));
        Assert.Equal(deadLetters, _topic.State.Outbox.Count);
        Assert.Equal(1, Stats().Pending);
    }

    [Fact]
    public void A_topic_default_ttl_applies_to_messages_without_one()
    {
        _topic.Reply<TopicConfigured>(new ConfigureTopic(_topic.Topic, TopicSettings.Default with { DefaultTtl = TimeSpan.FromSeconds(1), Expiry = ExpiryPolicy.Drop }));
        _topic.Publish("a");
        _topic.Advance(TimeSpan.FromSeconds(2));

        Assert.Empty(_topic.Subscribe("billing", "b1", start: StartPosition.Earliest).Deliveries);
        Assert.Equal(0, Stats().Pending);
    }

    [Fact]
    public void A_delayed_message_is_not_delivered_before_its_time_and_does_not_hold_up_others()
    {
        _topic.Subscribe("billing", "b1");

        var now = _topic.Run(new Publish(_topic.Topic, "p1", [Message(1, "later", delay: TimeSpan.FromSeconds(10)), Message(2, "now")])).Deliveries;

        Assert.Equal([("b1", 2L, 1)], Flatten(now));
        Assert.Empty(_topic.Advance(TimeSpan.FromSeconds(9)).Deliveries);
        Assert.Equal([("b1", 1L, 1)], Flatten(_topic.Advance(TimeSpan.FromSeconds(1)).Deliveries));
    }

    [Fact]
    public void Unsubscribing_hands_unacked_messages_back_to_the_group_at_once()
    {
        _topic.Subscribe("billing", "b1", credit: 1);
        _topic.Publish("a");
        _topic.Subscribe("billing", "b2", credit: 1);

        var run = _topic.Run(new Unsubscribe(_topic.Topic, "billing", "b1"));

        Assert.Equal(new Unsubscribed(_topic.Topic, "billing", "b1"), run.Reply);
        Assert.Equal([("b2", 1L, 2)], Flatten(run.Deliveries));
    }

    [Fact]
    public void Stats_show_pending_in_flight_and_each_groups_lag_and_consumers()
    {
        _topic.Subscribe("billing", "b1", credit: 1);
        _topic.Subscribe("audit", "a1", credit: 5);
        _topic.Publish("a", "b", "c");
        _topic.Ack("audit", 1, 2, 3);

        var stats = Stats();

        Assert.Equal(3, stats.Pending);
        Assert.Equal(1, stats.InFlight);
        Assert.Equal(3, stats.LastSequenceNr);
        Assert.Equal(2, stats.Consumers);
        Assert.Equal([new GroupStats("audit", 0, 0, 1, 0), new GroupStats("billing", 3, 1, 1, 0)], stats.Groups);
    }

    [Fact]
    public void Peek_reads_the_oldest_messages_without_delivering_them()
    {
        _topic.Publish("a", "b", "c");

        var peeked = _topic.Reply<PeekResult>(new Peek(_topic.Topic, 2));

        Assert.Equal([1L, 2L], peeked.Messages.Select(m => m.SequenceNr));
        Assert.Equal(3, Stats().Pending);
    }

    [Fact]
    public void Purge_drops_every_held_message_and_keeps_the_groups()
    {
        _topic.Subscribe("billing", "b1", credit: 1);
        _topic.Publish("a", "b");

        Assert.Equal(new Purged(_topic.Topic, 2), _topic.Reply<Purged>(new Purge(_topic.Topic)));

        Assert.Equal(0, Stats().Pending);
        Assert.Equal(0, Stats().InFlight);
        Assert.Equal([("b1", 3L, 1)], Flatten(_topic.Run(new Publish(_topic.Topic, "p1", [Message(10, "c")])).Deliveries));
    }

    [Fact]
    public void Deleting_an_abandoned_group_lets_the_messages_it_held_go()
    {
        _topic.Subscribe("billing", "b1");
        _topic.Subscribe("abandoned", "x1");
        _topic.Publish("a");
        _topic.Ack("billing", 1);
        Assert.Equal(1, Stats().Pending);

        Assert.Equal(new GroupDeleted(_topic.Topic, "abandoned"), _topic.Reply<GroupDeleted>(new DeleteGroup(_topic.Topic, "abandoned")));

        Assert.Equal(0, Stats().Pending);
        _topic.Refused(new Heartbeat(_topic.Topic, "abandoned", "x1"), ErrorCode.UnknownConsumer);
    }

    [Fact]
    public void A_deleted_topic_is_not_found_until_it_is_used_again()
    {
        _topic.Publish("a");

        Assert.Equal(new TopicDeleted(_topic.Topic), _topic.Reply<TopicDeleted>(new DeleteTopic(_topic.Topic)));

        _topic.Refused(new GetTopicStats(_topic.Topic), ErrorCode.TopicNotFound);
        _topic.Refused(new Peek(_topic.Topic, 1), ErrorCode.TopicNotFound);
        _topic.Refused(new Purge(_topic.Topic), ErrorCode.TopicNotFound);
        _topic.Refused(new DeleteTopic(_topic.Topic), ErrorCode.TopicNotFound);
        Assert.Equal([2L], _topic.Publish("b"));
        Assert.Equal(1, Stats().Pending);
    }

    [Theory]
    [InlineData("", ErrorCode.InvalidGroupName, "group name must not be empty")]
    [InlineData("bil ling", ErrorCode.InvalidGroupName, "group name 'bil ling' has ' ' at 3; only letters, digits, '.', '_' and '-' are allowed")]
    public void A_bad_group_name_is_refused_naming_it(string group, ErrorCode code, string message)
    {
        Assert.Equal(message, _topic.Refused(new Subscribe(_topic.Topic, group, "c1", StartPosition.New, 1), code).Message);
    }

    [Theory]
    [InlineData("or ders", "topic name 'or ders' has ' ' at 2; only letters, digits, '.', '_' and '-' are allowed")]
    [InlineData("..", "topic name must not be '..'")]
    public void A_topic_with_a_bad_name_refuses_every_command_naming_the_problem(string name, string message)
    {
        var topic = new TopicHarness(name);

        var error = topic.Refused(new Publish(name, "p1", [Message(1, "a")]), ErrorCode.InvalidTopicName);

        Assert.Equal(message, error.Message);
        Assert.Null(topic.State.Settings);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Credit_of_zero_or_less_is_refused(int credit)
    {
        var error = _topic.Refused(new Subscribe(_topic.Topic, "billing", "c1", StartPosition.New, credit), ErrorCode.InvalidCredit);

        Assert.Equal($"credit must be from 1 to {TopicState.MaxCredit}, not {credit}", error.Message);
    }

    [Fact]
    public void An_unknown_start_position_is_refused()
    {
        var error = _topic.Refused(new Subscribe(_topic.Topic, "billing", "c1", (StartPosition)7, 1), ErrorCode.InvalidSettings);

        Assert.Equal("start position 7 is neither new (0) nor earliest (1)", error.Message);
    }

    [Fact]
    public void Credit_that_would_fall_to_zero_is_refused_and_the_consumer_keeps_its_credit()
    {
        _topic.Subscribe("billing", "b1", credit: 2);

        _topic.Refused(new AddCredit(_topic.Topic, "billing", "b1", -2), ErrorCode.InvalidCredit);

        Assert.Equal(2, Assert.Single(_topic.State.Consumers).Credit);
    }

    [Fact]
    public void An_oversize_payload_is_refused_and_the_rest_of_its_batch_is_stored()
    {
        var result = _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p1",
            [new OutgoingMessage(1, new byte[TopicSettings.Default.MaxPayloadBytes + 1]), Message(2, "ok")]));

        Assert.Equal(ErrorCode.PayloadTooLarge, result.Outcomes[0].Error);
        Assert.Equal($"payload is {TopicSettings.Default.MaxPayloadBytes + 1} bytes; topic 'orders' accepts at most {TopicSettings.Default.MaxPayloadBytes}", result.Outcomes[0].Reason);
        Assert.Equal(PublishOutcome.Stored(2, 1), result.Outcomes[1]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(TopicState.MaxBatch + 1)]
    public void A_batch_with_no_messages_or_too_many_is_refused(int count)
    {
        var messages = Enumerable.Range(1, count).Select(i => Message(i, "m")).ToList();

        _topic.Refused(new Publish(_topic.Topic, "p1", messages), ErrorCode.InvalidBatch);
    }

    [Fact]
    public void Deliveries_and_peeks_are_split_to_fit_the_remoting_frame()
    {
        _topic.Subscribe("billing", "b1", credit: 10);
        var big = Enumerable.Range(1, 4).Select(i => new OutgoingMessage(i, new byte[50_000])).ToList();
        foreach (var message in big)
        {
            _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p1", [message]));
        }

        var deliveries = _topic.Subscribe("audit", "a1", credit: 10, start: StartPosition.Earliest).Deliveries;
        var peeked = _topic.Reply<PeekResult>(new Peek(_topic.Topic, 4));

        Assert.Equal([1L, 2L, 3L, 4L], Flatten(deliveries).Select(d => d.Seq));
        Assert.Equal(2, deliveries.Count);
        Assert.All(deliveries, d => Assert.True(d.Messages.Sum(m => TopicLimits.SizeOf(m.Message)) <= TopicLimits.MaxEnvelopeBytes));
        Assert.Equal([1L, 2L], peeked.Messages.Select(m => m.SequenceNr));
    }

    [Fact]
    public void A_batch_larger_than_the_remoting_frame_is_refused()
    {
        var messages = Enumerable.Range(1, 3).Select(i => new OutgoingMessage(i, new byte[50_000])).ToList();

        var error = _topic.Refused(new Publish(_topic.Topic, "p1", messages), ErrorCode.InvalidBatch);

        Assert.StartsWith("a publish of 3 messages is about 150096 bytes; a batch carries at most 120000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_the_topic_does_not_know_is_refused_and_the_topic_keeps_serving()
    {
        _topic.Publish("a");

        var error = _topic.Refused(new FutureCommand(_topic.Topic), ErrorCode.UnknownCommand);

        Assert.Equal("topic 'orders' does not understand FutureCommand", error.Message);
        Assert.Equal([2L], _topic.Publish("b"));
    }

    [Fact]
    public void Invalid_settings_are_refused_naming_the_setting_and_the_old_ones_stay()
    {
        _topic.Publish("a");

        var error = _topic.Refused(new ConfigureTopic(_topic.Topic, TopicSettings.Default with { MaxLength = 0 }), ErrorCode.InvalidSettings);

        Assert.Equal("topic 'orders': max-length must be at least 1, not 0", error.Message);
        Assert.Equal(TopicSettings.Default, _topic.State.Settings);
    }

    [Fact]
    public void Replaying_the_journal_rebuilds_the_topic_with_leases_ending_when_their_consumers_are_gone()
    {
        _topic.Reply<TopicConfigured>(new ConfigureTopic(_topic.Topic, TopicSettings.Default with { MessageIdWindow = 100 }));
        _topic.Subscribe("billing", "b1", credit: 2);
        _topic.Subscribe("audit", "a1", credit: 5);
        _topic.Reply<PublishResult>(new Publish(_topic.Topic, "p1", [Message(1, "a", "id-a"), Message(2, "b"), Message(3, "c")]));
        _topic.Ack("audit", 1, 2);
        _topic.Run(new Nack(_topic.Topic, "billing", [1]));

        var recovered = new TopicState(_topic.Topic);
        foreach (var e in _topic.Journal)
        {
            recovered.Apply(e);
        }

        recovered.MarkDurable(recovered.NextSeq - 1);
        Assert.Equal(_topic.State.Pending, recovered.Pending);
        Assert.Equal(_topic.State.NextSeq, recovered.NextSeq);
        Assert.Equal(_topic.State.Groups["billing"].Leases, recovered.Groups["billing"].Leases);
        Assert.Equal(_topic.State.Groups["billing"].Attempts, recovered.Groups["billing"].Attempts);
        Assert.Empty(recovered.Consumers);

        var tick = recovered.Tick(_topic.Now + TopicSettings.Default.ConsumerTimeout);
        var resubscribed = recovered.Handle(new Subscribe(_topic.Topic, "billing", "b9", StartPosition.New, 10), _topic.Now + TopicSettings.Default.AckTimeout);
        Assert.Empty(tick.Deliveries);
        Assert.Equal([1L, 2L, 3L], Flatten(resubscribed.Deliveries).Select(d => d.Seq).Order());
        var dedup = recovered.Handle(new Publish(_topic.Topic, "p2", [Message(1, "a", "id-a")]), _topic.Now);
        Assert.Equal([PublishOutcome.Repeated(1, 1)], Assert.IsType<PublishResult>(dedup.Reply).Outcomes);
        var retry = recovered.Handle(new Publish(_topic.Topic, "p1", [Message(3, "c")]), _topic.Now);
        Assert.Equal([PublishOutcome.Repeated(3, 3)], Assert.IsType<PublishResult>(retry.Reply).Outcomes);
    }

    [Fact]
    public void The_next_deadline_is_the_earliest_lease_expiry_delay_or_consumer_timeout()
    {
        Assert.Null(_topic.State.NextDeadline(_topic.Now));
        _topic.Subscribe("billing", "b1");
        _topic.Publish("a");

        Assert.Equal(_topic.Now + TopicSettings.Default.AckTimeout, _topic.State.NextDeadline(_topic.Now));
    }

    [Fact]
    public void A_topic_with_nothing_held_and_no_consumers_is_idle()
    {
        Assert.True(_topic.State.IsIdle);
        _topic.Subscribe("billing", "b1");
        _topic.Publish("a");
        _topic.Ack("billing", 1);
        Assert.False(_topic.State.IsIdle);

        _topic.Run(new Unsubscribe(_topic.Topic, "billing", "b1"));

        Assert.True(_topic.State.IsIdle);
    }

    /// <summary>A command from a newer version of the protocol.</summary>
    private sealed record FutureCommand(string Topic) : ITopicCommand;
}
