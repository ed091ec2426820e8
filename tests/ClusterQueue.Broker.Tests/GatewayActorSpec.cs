using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using ClusterQueue.Broker.Gateway;
using ClusterQueue.Protocol.Membership;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Tests;

public sealed class GatewayActorSpec() : TestKit(ConfigurationFactory.ParseString(
    """
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
    akka.cluster.roles = ["broker"]
    """))
{
    [Fact]
    public async Task Gateway_answers_membership_with_this_node_Up_and_leading()
    {
        var cluster = Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        await AwaitConditionAsync(() => Task.FromResult(cluster.SelfMember.Status == MemberStatus.Up));
        var gateway = Sys.ActorOf(GatewayActor.Props(CreateTestProbe().Ref));

        gateway.Tell(GetClusterMembers.Instance, TestActor);

        var members = await ExpectMsgAsync<ClusterMembers>();
        var self = cluster.SelfAddress.ToString();
        Assert.Equal(self, members.Self);
        Assert.Equal(self, members.Leader);
        var member = Assert.Single(members.Members);
        Assert.Equal(new ClusterMember(self, ["broker"], "Up", cluster.SelfMember.AppVersion.ToString(), Reachable: true), member);
    }

    [Fact]
    public async Task Gateway_forwards_topic_commands_to_the_topic_region_keeping_the_sender()
    {
        var topics = CreateTestProbe();
        var gateway = Sys.ActorOf(GatewayActor.Props(topics.Ref));
        var stats = new GetTopicStats("orders");

        gateway.Tell(stats, TestActor);

        Assert.Same(stats, await topics.ExpectMsgAsync<GetTopicStats>());
        Assert.Equal(TestActor, topics.LastSender);
    }

    [Fact]
    public async Task Gateway_answers_a_topic_command_with_an_empty_topic_name_itself()
    {
        var topics = CreateTestProbe();
        var gateway = Sys.ActorOf(GatewayActor.Props(topics.Ref));

        gateway.Tell(new GetTopicStats(""), TestActor);

        var error = await ExpectMsgAsync<TopicError>();
        Assert.Equal(ErrorCode.InvalidTopicName, error.Code);
        Assert.Equal("topic name must not be empty", error.Message);
        await topics.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Membership_of_a_node_that_has_not_joined_lists_no_members_and_no_leader()
    {
        var members = MembershipSnapshot.Of(Cluster.Get(Sys));

        Assert.Equal(Cluster.Get(Sys).SelfAddress.ToString(), members.Self);
        Assert.Null(members.Leader);
        Assert.Empty(members.Members);
    }
}
