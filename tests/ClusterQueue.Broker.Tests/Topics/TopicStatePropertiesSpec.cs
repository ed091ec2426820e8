using FsCheck.Xunit;

namespace ClusterQueue.Broker.Tests.Topics;

/// <summary>
/// Invariants of <see cref="Broker.Topics.TopicState"/> over random runs of publishes, subscriptions,
/// acks, nacks, lease extensions, heartbeats, commits and the clock (see <see cref="TopicScenarios"/>),
/// each checked after every step by <see cref="TopicSimulation"/>.
/// </summary>
public sealed class TopicStatePropertiesSpec
{
    private const int Runs = 200;

    [Property(MaxTest = Runs, Arbitrary = [typeof(TopicScenarios)])]
    public void A_confirmed_message_leaves_a_group_only_by_ack_dead_letter_expiry_purge_or_group_deletion(TopicScenario scenario) =>
        TopicSimulation.Run(scenario, Invariant.ConfirmedMessagesStay);

    [Property(MaxTest = Runs, Arbitrary = [typeof(TopicScenarios)])]
    public void A_message_leaves_the_topic_once_every_group_is_done_with_it_but_never_while_no_group_exists(TopicScenario scenario) =>
        TopicSimulation.Run(scenario, Invariant.DoneMessagesLeave);

    [Property(MaxTest = Runs, Arbitrary = [typeof(TopicScenarios)])]
    public void A_message_is_not_delivered_again_in_its_group_while_an_earlier_lease_of_it_runs(TopicScenario scenario) =>
        TopicSimulation.Run(scenario, Invariant.OneLeasePerMessage);

    [Property(MaxTest = Runs, Arbitrary = [typeof(TopicScenarios)])]
    public void A_consumer_never_holds_more_leases_than_its_credit(TopicScenario scenario) =>
        TopicSimulation.Run(scenario, Invariant.CreditRespected);

    [Property(MaxTest = Runs, Arbitrary = [typeof(TopicScenarios)])]
    public void First_deliveries_within_a_group_follow_publish_order_for_messages_without_a_delay(TopicScenario scenario) =>
        TopicSimulation.Run(scenario, Invariant.FirstDeliveriesInOrder);

    [Property(MaxTest = Runs, Arbitrary = [typeof(TopicScenarios)])]
    public void Nothing_is_delivered_before_it_is_committed(TopicScenario scenario) =>
        TopicSimulation.Run(scenario, Invariant.OnlyCommittedDelivered);

    [Property(MaxTest = Runs, Arbitrary = [typeof(TopicScenarios)])]
    public void Replaying_the_durable_events_or_restoring_a_snapshot_recovers_the_messages_groups_leases_and_attempts(TopicScenario scenario) =>
        TopicSimulation.Run(scenario, Invariant.RecoveryMatches);
}
