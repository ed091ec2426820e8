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

    /// <summary>What a leave, down or join did, one line per member it applied to.</summary>
    public static string Render(ClusterCommandDone done)
    {
        if (done.Addresses.Count == 0)
        {
            return done.Command switch
            {
                "down-unreachable" => $"No unreachable members seen by {done.Node}.",
                "join" => $"{done.Node} is already a member of that cluster.",
                _ => "Nothing to do.",
            };
        }

        var verb = done.Command switch
        {
            "leave" => "Leaving",
            "join" => $"{done.Node} joining",
            _ => "Downed",
        };
        return string.Join(Environment.NewLine, done.Addresses.Select(a => $"{verb}: {a}"));
    }

    /// <summary>One line per change: time, what happened, to whom (as `cluster tail`).</summary>
    public static string Render(ClusterChange change)
    {
        var what = change.Kind switch
        {
            ClusterChangeKind.MemberJoined => "member joined",
            ClusterChangeKind.MemberUp => "member up",
            ClusterChangeKind.MemberWeaklyUp => "member weakly up",
            ClusterChangeKind.MemberLeft => "member left",
            ClusterChangeKind.MemberExited => "member exited",
            ClusterChangeKind.MemberDowned => "member downed",
            ClusterChangeKind.MemberRemoved => "member removed",
            ClusterChangeKind.Unreachable => "member unreachable",
            ClusterChangeKind.Reachable => "member reachable again",
            ClusterChangeKind.LeaderChanged => "leader is",
            _ => change.Kind.ToString(),
        };
        var who = change.Address.Length > 0 ? change.Address : "(none)";
        return $"[{change.At.ToLocalTime():yyyy-MM-dd HH:mm:ss}] {what}: {who}";
    }

    private static string Status(ClusterMember member)
    {
        var status = member.Status.ToLowerInvariant();
        return member.Reachable ? status : $"{status} (unreachable)";
    }
}
