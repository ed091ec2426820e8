using ClusterQueue.Cli.Commands;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Cli.Tests;

public sealed class ShardingViewSpec
{
    [Fact]
    public void Region_stats_prints_one_line_per_member_then_the_totals()
    {
        var stats = new RegionStats("topic",
        [
            new RegionMemberStats("akka.tcp://ClusterQueue@127.0.0.1:4053", 12, 40),
            new RegionMemberStats("akka.tcp://ClusterQueue@127.0.0.1:4054", 0, 0),
        ]);

        Assert.Equal(
            string.Join(
                Environment.NewLine,
                "akka.tcp://ClusterQueue@127.0.0.1:4053 | shards: 12 | entities: 40",
                "akka.tcp://ClusterQueue@127.0.0.1:4054 | shards: 0 | entities: 0",
                "Total: 12 shards, 40 entities on 2 nodes"),
            ShardingView.Render(stats));
    }

    [Fact]
    public void A_cluster_command_prints_what_it_did_to_each_member_or_that_there_was_nothing_to_do()
    {
        const string node = "akka.tcp://ClusterQueue@127.0.0.1:4053";

        Assert.Equal(
            $"Downed: {node[..^1]}4{Environment.NewLine}Downed: {node[..^1]}5",
            ClusterShowView.Render(new ClusterCommandDone("down-unreachable", node, [node[..^1] + "4", node[..^1] + "5"])));
        Assert.Equal($"No unreachable members seen by {node}.", ClusterShowView.Render(new ClusterCommandDone("down-unreachable", node, [])));
        Assert.Equal($"Leaving: {node}", ClusterShowView.Render(new ClusterCommandDone("leave", node, [node])));
    }
}
