namespace ClusterQueue.Chaos.Tests;

public sealed class CheckerSpec
{
    private static readonly DateTime T0 = new(2026, 11, 27, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Groups = ["g1", "g2"];

    private static PublishRecord Published(string id, long seq, PublishOutcome outcome = PublishOutcome.Confirmed, bool poison = false, int second = 0) =>
        new(id, "t", poison, outcome, seq, T0.AddSeconds(second));

    private static ReceiveRecord Received(string id, long seq, string group, string consumer = "c1#1", int attempt = 1, bool acked = true, int second = 1) =>
        new(id, "t", group, consumer, seq, attempt, acked, T0.AddSeconds(second));

    private static ChaosSummary Check(
        IReadOnlyList<PublishRecord> publishes,
        IReadOnlyList<ReceiveRecord> receives,
        IReadOnlyList<DeadLetterRecord>? deadLetters = null,
        IReadOnlyList<FaultRecord>? faults = null) =>
        Checker.Check(new History(publishes, receives, deadLetters ?? [], faults ?? [], Groups));

    [Fact]
    public void A_run_where_every_group_acked_every_confirmed_message_passes_and_counts_duplicates_by_the_fault_before_them()
    {
        var kill = new FaultRecord(FaultKind.KillBroker, "broker 1", T0.AddSeconds(5), T0.AddSeconds(15));
        var summary = Check(
            [Published("a", 1), Published("b", 2)],
            [Received("a", 1, "g1"), Received("b", 2, "g1"), Received("a", 1, "g2"), Received("b", 2, "g2"), Received("b", 2, "g2", "c2#1", attempt: 2, second: 6)],
            faults: [kill]);

        Assert.True(summary.Passed);
        Assert.Equal((2, 4, 1), (summary.Confirmed, summary.Delivered, summary.Duplicates));
        Assert.Equal(new Dictionary<string, int> { ["KillBroker"] = 1 }, summary.DuplicatesByFault);
        Assert.Empty(summary.Lost);
        Assert.Equal(1, summary.FaultsInjected);
        Assert.Equal(new PublishGap(TimeSpan.FromSeconds(0), T0, "none"), summary.LongestWithoutPublish);
    }

    [Fact]
    public void A_confirmed_message_one_group_never_acked_is_lost_and_fails_the_run()
    {
        var summary = Check(
            [Published("a", 1), Published("b", 2)],
            [Received("a", 1, "g1"), Received("b", 2, "g1"), Received("a", 1, "g2"), Received("b", 2, "g2", acked: false)]);

        Assert.False(summary.Passed);
        Assert.Equal(["b (topic t, number 2) never acked by group g2"], summary.Lost);
    }

    [Fact]
    public void One_number_given_to_two_messages_of_a_topic_is_a_problem_whether_confirmed_or_only_delivered()
    {
        var reusedByConfirmation = Check(
            [Published("a", 1), Published("b", 1)],
            [Received("a", 1, "g1"), Received("a", 1, "g2"), Received("b", 1, "g1"), Received("b", 1, "g2")]);
        var reusedByDelivery = Check(
            [Published("a", 1), Published("u", 0, PublishOutcome.Unknown)],
            [Received("a", 1, "g1"), Received("a", 1, "g2"), Received("u", 1, "g1")]);

        Assert.Equal(["number 1 of topic t was given to a and b"], reusedByConfirmation.Problems);
        Assert.Equal(["number 1 of topic t was given to a and u"], reusedByDelivery.Problems);
        Assert.False(reusedByDelivery.Passed);
    }

    [Fact]
    public void A_poison_message_must_reach_the_dead_letter_topic_for_every_group_and_no_healthy_message_may()
    {
        var publishes = new[] { Published("a", 1), Published("p", 2, poison: true) };
        var receives = new[] { Received("a", 1, "g1"), Received("a", 1, "g2"), Received("p", 2, "g1", acked: false), Received("p", 2, "g2", acked: false) };

        var whole = Check(publishes, receives, [new("p", "t", "g1", "MaxDeliveries"), new("p", "t", "g2", "MaxDeliveries")]);
        var missing = Check(publishes, receives, [new("p", "t", "g1", "MaxDeliveries")]);
        var healthy = Check(publishes, receives, [new("p", "t", "g1", "MaxDeliveries"), new("p", "t", "g2", "MaxDeliveries"), new("a", "t", "g1", "Expired")]);

        Assert.True(whole.Passed);
        Assert.Equal(2, whole.PoisonDeadLettered);
        Assert.Equal(["p (topic t, number 2, poison) never dead-lettered by group g2"], missing.Lost);
        Assert.Equal(["a was dead-lettered for group g1 (Expired) but is no poison message"], healthy.Problems);
    }

    [Fact]
    public void Unconfirmed_messages_stored_anyway_are_counted_but_a_refused_one_delivered_is_a_problem()
    {
        var summary = Check(
            [Published("a", 1), Published("u", 0, PublishOutcome.Unknown), Published("r", 0, PublishOutcome.Refused)],
            [Received("a", 1, "g1"), Received("a", 1, "g2"), Received("u", 2, "g1"), Received("r", 3, "g2")]);

        Assert.Equal((1, 1, 1), (summary.Unknown, summary.UnknownButStored, summary.Refused));
        Assert.Empty(summary.Lost);
        Assert.Equal(["r was refused at publish but delivered"], summary.Problems);
        Assert.False(summary.Passed);
    }

    [Fact]
    public void Order_is_checked_per_consumer_on_first_deliveries_to_the_group_only()
    {
        var summary = Check(
            [Published("a", 1), Published("b", 2), Published("c", 3)],
            [
                Received("b", 2, "g1", second: 1),
                Received("a", 1, "g1", second: 2),
                Received("b", 2, "g2", second: 1),
                Received("b", 2, "g2", "c2#1", attempt: 2, second: 3),
                Received("a", 1, "g2", "c2#1", second: 4),
                Received("c", 3, "g1", second: 5),
                Received("c", 3, "g2", second: 5),
            ]);

        Assert.Equal(new Dictionary<string, int> { ["none"] = 1 }, summary.OrderViolations);
        Assert.True(summary.Passed);
    }

    [Fact]
    public void The_longest_time_without_a_confirmed_publish_is_measured_between_confirmations_and_names_the_fault_before_its_end()
    {
        var summary = Check(
            [Published("a", 1, second: 0), Published("b", 2, second: 2), Published("x", 0, PublishOutcome.Unknown, second: 5), Published("c", 3, second: 9)],
            [.. Groups.SelectMany(g => new[] { Received("a", 1, g), Received("b", 2, g), Received("c", 3, g) })],
            faults:
            [
                new FaultRecord(FaultKind.KillBroker, "broker 1", T0.AddSeconds(1), T0.AddSeconds(2)),
                new FaultRecord(FaultKind.JournalOutage, "journal", T0.AddSeconds(3), T0.AddSeconds(8)),
                new FaultRecord(FaultKind.KillConsumer, "c1", T0.AddSeconds(10), T0.AddSeconds(11)),
            ]);

        Assert.Equal(new PublishGap(TimeSpan.FromSeconds(7), T0.AddSeconds(2), "JournalOutage"), summary.LongestWithoutPublish);
    }
}
