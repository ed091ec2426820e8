using ClusterQueue.Cli.Commands;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Cli.Tests;

public sealed class TopicStatsViewSpec
{
    [Fact]
    public void Topic_stats_say_how_many_messages_are_still_on_their_way_to_another_topic_only_when_some_are()
    {
        var stats = new TopicStats("orders", TopicSettings.Default, 0, 0, 12, [new GroupStats("billing", 0, 0, 1, 2)], 1);

        var settled = QueueView.Render(stats).Split(Environment.NewLine);
        var forwarding = QueueView.Render(stats with { Forwarding = 2 }).Split(Environment.NewLine);

        Assert.DoesNotContain(settled, line => line.StartsWith("Forwarding", StringComparison.Ordinal));
        Assert.Equal("Forwarding: 2 (stored here, not yet confirmed by the topic they go to; resent until it confirms)", forwarding[2]);
        Assert.Equal(settled.Length + 1, forwarding.Length);
    }
}
