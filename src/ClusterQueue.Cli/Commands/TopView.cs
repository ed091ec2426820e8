using System.Globalization;
using ClusterQueue.Protocol.Membership;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ClusterQueue.Cli.Commands;

/// <summary>What `cq top` saw at one moment: the members and every running topic.</summary>
public sealed record TopFrame(DateTimeOffset At, string Contact, ClusterMembers Members, IReadOnlyList<TopicRow> Topics, IReadOnlyList<string> Unanswered);

/// <summary>`cq top`: a table of nodes (with the topics each hosts) and one of the busiest topics.</summary>
public static class TopView
{
    public static IRenderable Render(TopFrame frame, int topicLimit)
    {
        var nodes = new Table().Title("Nodes").AddColumns("Node", "Roles", "Status").AddColumns(Numeric("Topics", "Pending", "In flight", "Consumers", "Publish", "Deliver"));
        foreach (var member in frame.Members.Members.OrderBy(m => m.Address, StringComparer.Ordinal))
        {
            var hosted = frame.Topics.Where(t => t.Node == member.Address && t.Stats is not null).Select(t => t.Stats!).ToList();
            nodes.AddRow(
                Text(HostPort(member.Address)),
                Text(string.Join(",", member.Roles)),
                Text(member.Reachable ? member.Status.ToLowerInvariant() : $"{member.Status.ToLowerInvariant()} (unreachable)"),
                Number(hosted.Count),
                Number(hosted.Sum(s => s.Pending)),
                Number(hosted.Sum(s => s.InFlight)),
                Number(hosted.Sum(s => s.Consumers)),
                Text(QueueView.Rate(hosted.Sum(s => s.PublishRate))),
                Text(QueueView.Rate(hosted.Sum(s => s.DeliverRate))));
        }

        var busiest = frame.Topics
            .OrderByDescending(t => (t.Stats?.PublishRate ?? 0) + (t.Stats?.DeliverRate ?? 0))
            .ThenByDescending(t => t.Stats?.Pending ?? 0)
            .ThenBy(t => t.Topic, StringComparer.Ordinal)
            .Take(topicLimit)
            .ToList();
        var topics = new Table()
            .Title(busiest.Count < frame.Topics.Count ? $"Topics (busiest {busiest.Count} of {frame.Topics.Count})" : $"Topics ({frame.Topics.Count})")
            .AddColumns("Topic", "Node").AddColumns(Numeric("Pending", "In flight", "Groups", "Consumers", "Publish", "Deliver"));
        foreach (var row in busiest)
        {
            if (row.Stats is not { } s)
            {
                topics.AddRow(Text(row.Topic), Text(HostPort(row.Node)), Text("(no answer)"), Text(""), Text(""), Text(""), Text(""), Text(""));
                continue;
            }

            topics.AddRow(
                Text(row.Topic),
                Text(HostPort(row.Node)),
                Number(s.Pending),
                Number(s.InFlight),
                Number(s.Groups.Count),
                Number(s.Consumers),
                Text(QueueView.Rate(s.PublishRate)),
                Text(QueueView.Rate(s.DeliverRate)));
        }

        var header = $"cq top | {frame.Contact} | {frame.At.ToLocalTime():yyyy-MM-dd HH:mm:ss} | {frame.Members.Members.Count} nodes, {frame.Topics.Count} topics";
        var parts = new List<IRenderable> { Text(header), nodes, topics };
        parts.AddRange(frame.Unanswered.Select(node => Text($"{node} did not answer in time; its topics are not listed")));
        return new Rows(parts);
    }

    /// <summary>host:port of an Akka address, which is all a view of one cluster needs.</summary>
    public static string HostPort(string address) => address[(address.IndexOf('@', StringComparison.Ordinal) + 1)..];

    private static TableColumn[] Numeric(params string[] names) => [.. names.Select(n => new TableColumn(n).RightAligned())];

    /// <summary>Text as it is: names may hold characters Spectre's markup would read.</summary>
    private static Text Text(string value) => new(value);

    private static Text Number(long value) => new(value.ToString(CultureInfo.InvariantCulture));
}
