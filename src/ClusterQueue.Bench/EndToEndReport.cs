using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ClusterQueue.Bench;

/// <summary>Where the figures were taken: the machine, its disk, the cluster.</summary>
public sealed record BenchMachine(int Cores, string Os, string Runtime, double FsyncsPerSecond, string Cluster);

/// <summary>One node's cost over a workload: CPU seconds it used and its peak resident memory so far.</summary>
public sealed record NodeCost(string Node, double CpuSeconds, double PeakMegabytes);

public sealed record WorkloadReport(EndToEnd.Result Result, IReadOnlyList<NodeCost> Nodes);

/// <summary>The figures as a table for people, or JSON for scripts.</summary>
public static class EndToEndReport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Table(BenchMachine machine, IReadOnlyList<WorkloadReport> reports)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine.Cores} cores, {machine.Os}, {machine.Runtime}; disk: {machine.FsyncsPerSecond:N0} fsyncs/s (8 KiB write + fsync in the data folder)");
        text.AppendLine(CultureInfo.InvariantCulture, $"Cluster: {machine.Cluster}");
        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{"workload",-12} {"published",10} {"publish/s",10} {"consume/s",10} {"p50 ms",8} {"p99 ms",8} {"p99.9 ms",9} {"max ms",8} {"dup",6} {"missing",8}"));
        foreach (var (r, _) in reports)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{r.Workload,-12} {r.Published,10:N0} {r.PublishedPerSecond,10:N0} {r.ConsumedPerSecond,10:N0} {r.P50Ms,8:0.00} {r.P99Ms,8:0.00} {r.P999Ms,9:0.00} {r.MaxMs,8:0.0} {r.Duplicates,6:N0} {r.Missing,8:N0}"));
        }

        foreach (var (r, nodes) in reports.Where(r => r.Nodes.Count > 0))
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{r.Workload,-12} nodes: {string.Join(" | ", nodes.Select(n => $"{n.Node} cpu {n.CpuSeconds:0.0} s, peak {n.PeakMegabytes:0} MB"))}"));
        }

        return text.ToString();
    }

    public static string ToJson(BenchMachine machine, IReadOnlyList<WorkloadReport> reports) =>
        JsonSerializer.Serialize(new { machine, workloads = reports.Select(r => new { r.Result, r.Nodes }) }, Json);
}
