using System.Text.Json;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Cli.Commands;

/// <summary>`cq cluster show` output, laid out as Petabridge.Cmd's `cluster show`.</summary>
public static class ClusterShowView
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>One line per member (address | roles | status | version), then the count.</summary>
    public static string Render(ClusterMembers members)
    {
        var lines = members.Members.Select(m =>
            $"{m.Address} | [{string.Join(",", m.Roles)}] | {Status(m)} | {m.Version}");
        var count = members.Members.Count;
        return string.Join(Environment.NewLine, lines.Append($"Count: {count} node{(count == 1 ? "" : "s")}"));
    }

    public static string RenderJson(ClusterMembers members) => JsonSerializer.Serialize(members, Json);

    private static string Status(ClusterMember member)
    {
        var status = member.Status.ToLowerInvariant();
        return member.Reachable ? status : $"{status} (unreachable)";
    }
}
