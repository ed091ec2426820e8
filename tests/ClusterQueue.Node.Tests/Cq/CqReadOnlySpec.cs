using System.Text.Json;
using System.Text.RegularExpressions;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Membership;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Node.Tests.Cq;

/// <summary>cq's read commands, run as processes against a shared three-node cluster.</summary>
[Collection(CqReadOnlyTests.Name)]
public sealed class CqReadOnlySpec(ThreeNodeCluster cluster)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    [Fact]
    public async Task Cluster_show_prints_every_member_Up_then_the_count()
    {
        var (exitCode, text, error) = await CqProcess.RunAsync("cluster", "show", "-c", cluster.Contact);

        Assert.Equal((0, ""), (exitCode, error));
        var lines = text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(cluster.Members.Order(StringComparer.Ordinal), lines[..^1].Select(l => l.Split(" | ")[0]));
        Assert.All(lines[..^1], l => Assert.Contains(" | [broker] | up | ", l, StringComparison.Ordinal));
        Assert.Equal("Count: 3 nodes", lines[^1]);
    }

    [Fact]
    public async Task Cluster_sharding_regions_names_the_topic_region()
    {
        var (exitCode, text, _) = await CqProcess.RunAsync("cluster-sharding", "regions", "-c", cluster.Contact);
        var json = await CqProcess.RunAsync("cluster-sharding", "regions", "--json", "-c", cluster.Contact);

        Assert.Equal((0, $"{TopicRegion.Name}{Environment.NewLine}"), (exitCode, text));
        Assert.Equal([TopicRegion.Name], JsonSerializer.Deserialize<ShardRegions>(json.Output, Json)!.TypeNames);
    }

    [Fact]
    public async Task Cluster_sharding_region_stats_counts_shards_and_entities_per_member()
    {
        var (exitCode, text, error) = await CqProcess.RunAsync("cluster-sharding", "region-stats", "-r", TopicRegion.Name, "-c", cluster.Contact);

        Assert.Equal((0, ""), (exitCode, error));
        var lines = text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(cluster.Members.Order(StringComparer.Ordinal), lines[..^1].Select(l => l.Split(" | ")[0]));
        Assert.Matches(@"^Total: \d+ shards, \d+ entities on 3 nodes$", lines[^1]);

        var json = await CqProcess.RunAsync("cluster-sharding", "region-stats", "-r", TopicRegion.Name, "--json", "-c", cluster.Contact);
        var stats = JsonSerializer.Deserialize<RegionStats>(json.Output, Json)!;
        Assert.Equal(3, stats.Members.Count);
        Assert.True(stats.Members.Sum(m => m.Entities) >= ThreeNodeCluster.TopicCount, json.Output);
        Assert.Equal($"Total: {stats.Members.Sum(m => m.Shards)} shards, {stats.Members.Sum(m => m.Entities)} entities on 3 nodes", lines[^1]);
    }

    [Fact]
    public async Task An_unknown_region_gives_one_line_naming_the_known_ones_and_exit_code_3()
    {
        var (exitCode, text, error) = await CqProcess.RunAsync("cluster-sharding", "region-stats", "-r", "queue", "-c", cluster.Contact);

        Assert.Equal((3, ""), (exitCode, text));
        Assert.Equal($"cq: no shard region 'queue'; regions: {TopicRegion.Name}{Environment.NewLine}", error);
    }

    [Fact]
    public async Task Topics_lists_every_running_topic_with_the_node_hosting_it_and_its_counters()
    {
        var (exitCode, text, error) = await CqProcess.RunAsync("topics", "-c", cluster.Contact);
        var json = await CqProcess.RunAsync("topics", "--json", "-c", cluster.Contact);

        Assert.Equal((0, ""), (exitCode, error));
        var lines = text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        foreach (var topic in ThreeNodeCluster.Topics)
        {
            var line = Assert.Single(lines, l => l.StartsWith(topic + " | ", StringComparison.Ordinal));
            Assert.Matches(@"^\S+ \| akka\.tcp://ClusterQueue@127\.0\.0\.1:\d+ \| pending: 1 \| in flight: 0 \| groups: 0 \| consumers: 0 \| publish: [\d.]+/s \| deliver: [\d.]+/s$", line);
        }

        Assert.Matches(@"^Count: \d+ topics$", lines[^1]);
        var listed = JsonDocument.Parse(json.Output).RootElement.EnumerateArray().ToList();
        Assert.Equal(lines.Length - 1, listed.Count);
        Assert.Contains(listed, t => t.GetProperty("topic").GetString() == ThreeNodeCluster.PoisonTopic && t.GetProperty("groups").GetInt32() == 1);
        Assert.Contains(cluster.Members, member => listed.Any(t => t.GetProperty("node").GetString() == member));
        Assert.All(listed, t => Assert.True(t.GetProperty("publishRate").GetDouble() >= 0, t.ToString()));
    }

    [Fact]
    public async Task Top_draws_the_nodes_and_topics_as_often_as_asked_and_exits()
    {
        var (exitCode, text, error) = await CqProcess.RunAsync("top", "-n", "2", "--interval", "1", "--limit", "100", "-c", cluster.Contact);

        Assert.Equal((0, ""), (exitCode, error));
        var frames = text.Split("cq top | ", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, frames.Length);
        foreach (var frame in frames)
        {
            var lines = frame.Split(Environment.NewLine);
            Assert.Matches(@"^127\.0\.0\.1:\d+ \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| 3 nodes, \d+ topics$", lines[0]);
            foreach (var member in cluster.Members)
            {
                Assert.Single(lines, l => Regex.IsMatch(l, $@"^│ {Regex.Escape(TopHostPort(member))} +│ broker +│ up +│ +\d+ │"));
            }

            foreach (var topic in ThreeNodeCluster.Topics)
            {
                Assert.Single(lines, l => Regex.IsMatch(l, $@"^│ {topic} +│ 127\.0\.0\.1:\d+ +│ +1 │ +0 │ +0 │ +0 │"));
            }
        }
    }

    private static string TopHostPort(string address) => address.Split('@')[1];
}
