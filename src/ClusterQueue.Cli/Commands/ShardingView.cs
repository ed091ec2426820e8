using System.Text.Json;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Cli.Commands;

/// <summary>`cq cluster-sharding` output.</summary>
public static class ShardingView
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>One region type name per line.</summary>
    public static string Render(ShardRegions regions) =>
        regions.TypeNames.Count == 0 ? $"No shard regions on {regions.Node}." : string.Join(Environment.NewLine, regions.TypeNames);

    public static string RenderJson(ShardRegions regions) => JsonSerializer.Serialize(regions, Json);

    /// <summary>One line per member (address | shards | entities), then the totals.</summary>
    public static string Render(RegionStats stats)
    {
        var lines = stats.Members.Select(m => $"{m.Address} | shards: {m.Shards} | entities: {m.Entities}");
        var nodes = stats.Members.Count;
        return string.Join(
            Environment.NewLine,
            lines.Append($"Total: {stats.Members.Sum(m => m.Shards)} shards, {stats.Members.Sum(m => m.Entities)} entities on {nodes} node{(nodes == 1 ? "" : "s")}"));
    }

    public static string RenderJson(RegionStats stats) => JsonSerializer.Serialize(stats, Json);
}
