using ClusterQueue.Cli.Commands;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Cli.Tests;

public sealed class ClusterShowViewSpec
{
    [Fact]
    public void Cluster_show_prints_one_line_per_member_then_the_count_as_pbm_does()
    {
        var members = new ClusterMembers(
            "akka.tcp://ClusterQueue@127.0.0.1:4053",
            "akka.tcp://ClusterQueue@127.0.0.1:4053",
            [
                new ClusterMember("akka.tcp://ClusterQueue@127.0.0.1:4053", ["broker"], "Up", "1.0.0", Reachable: true),
                new ClusterMember("akka.tcp://ClusterQueue@127.0.0.1:4054", ["broker", "client"], "Leaving", "1.0.0", Reachable: true),
                new ClusterMember("akka.tcp://ClusterQueue@127.0.0.1:4055", ["broker"], "Up", "1.0.0", Reachable: false),
            ]);

        var text = ClusterShowView.Render(members);

        Assert.Equal(
            string.Join(
                Environment.NewLine,
                "akka.tcp://ClusterQueue@127.0.0.1:4053 | [broker] | up | 1.0.0",
                "akka.tcp://ClusterQueue@127.0.0.1:4054 | [broker,client] | leaving | 1.0.0",
                "akka.tcp://ClusterQueue@127.0.0.1:4055 | [broker] | up (unreachable) | 1.0.0",
                "Count: 3 nodes"),
            text);
    }

    [Fact]
    public void A_single_member_is_counted_as_one_node()
    {
        var members = new ClusterMembers("a", "a", [new ClusterMember("a", ["broker"], "Up", "1.0.0", Reachable: true)]);

        Assert.EndsWith("Count: 1 node", ClusterShowView.Render(members), StringComparison.Ordinal);
    }
}
