using System.Globalization;
using System.Text.Json;

namespace ClusterQueue.Chaos;

/// <summary>The summary as a table for people and as JSON for scripts.</summary>
public static class Report
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Table(ChaosSummary summary, ChaosOptions options, TimeSpan elapsed)
    {
        var rows = new List<(string, string)>
        {
            ("seed", $"{options.Seed} (replay: --seed {options.Seed})"),
            ("run", $"{elapsed.TotalSeconds:0} s, {options.Brokers} brokers on {options.Journal}, {options.Topics} topics, 2 groups, {options.Rate} msg/s"),
            ("faults injected", summary.FaultsInjected.ToString(CultureInfo.InvariantCulture)),
            ("confirmed", N(summary.Confirmed)),
            ("refused", N(summary.Refused)),
            ("unconfirmed", $"{N(summary.Unknown)} ({N(summary.UnknownButStored)} stored anyway)"),
            ("delivered", $"{N(summary.Delivered)} (message x group, acked)"),
            ("lost", N(summary.Lost.Count)),
            ("duplicated", $"{N(summary.Duplicates)}{ByFault(summary.DuplicatesByFault)}"),
            ("out of order", $"{N(summary.OrderViolations.Values.Sum())}{ByFault(summary.OrderViolations)} (first deliveries to a group)"),
            ("dead-lettered poison", $"{N(summary.PoisonDeadLettered)} (message x group)"),
            ("other problems", N(summary.Problems.Count)),
            ("longest without a publish", Gap(summary.LongestWithoutPublish)),
            ("result", summary.Passed ? "PASSED" : "FAILED"),
        };
        var width = rows.Max(r => r.Item1.Length);
        var lines = rows.Select(r => $"{r.Item1.PadRight(width)}  {r.Item2}")
            .Concat(summary.Lost.Take(20).Select(l => $"lost: {l}"))
            .Concat(summary.Problems.Take(20).Select(p => $"problem: {p}"));
        return string.Join(Environment.NewLine, lines);
    }

    public static string Json(ChaosSummary summary, ChaosOptions options) =>
        JsonSerializer.Serialize(new
        {
            options.Seed,
            passed = summary.Passed,
            summary.FaultsInjected,
            summary.Confirmed,
            summary.Refused,
            unconfirmed = summary.Unknown,
            unconfirmedStored = summary.UnknownButStored,
            summary.Delivered,
            lost = summary.Lost,
            duplicated = summary.Duplicates,
            duplicatedByFault = summary.DuplicatesByFault,
            outOfOrderByFault = summary.OrderViolations,
            summary.PoisonDeadLettered,
            problems = summary.Problems,
            longestWithoutPublishSeconds = summary.LongestWithoutPublish.Length.TotalSeconds,
            longestWithoutPublishFrom = summary.LongestWithoutPublish.Start,
            longestWithoutPublishAfter = summary.LongestWithoutPublish.AfterFault,
        }, Indented);

    private static string Gap(PublishGap gap) =>
        gap.Start is { } start
            ? $"{gap.Length.TotalSeconds:0.0} s, from {start.ToLocalTime():HH:mm:ss} (after {gap.AfterFault})"
            : $"{gap.Length.TotalSeconds:0.0} s";

    private static string ByFault(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "" : " (after " + string.Join(", ", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}")) + ")";

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
