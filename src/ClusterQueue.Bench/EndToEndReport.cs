using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ClusterQueue.Bench;

/// <summary>Where the figures were taken: the machine, its disk (<see cref="DiskProbe"/>), the cluster.</summary>
public sealed record BenchMachine(int Cores, string Os, string Runtime, DiskProbe.Result Disk, string Cluster)
{
    public double FsyncsPerSecond => Disk.FsyncsPerSecond;
}

/// <summary>One node's cost over a workload: CPU seconds it used and its peak resident memory so far.</summary>
public sealed record NodeCost(string Node, double CpuSeconds, double PeakMegabytes);

/// <param name="Others">The busiest processes not ClusterQueue's while it ran (<see cref="OtherLoad"/>).</param>
public sealed record WorkloadReport(EndToEnd.Result Result, IReadOnlyList<NodeCost> Nodes, IReadOnlyList<OtherLoad.Usage> Others);

/// <summary>Everything one run measured; memory and recovery are null when not run.</summary>
public sealed record BenchFigures(BenchMachine Machine, IReadOnlyList<WorkloadReport> Workloads, Memory.Result? Memory, Recovery.Result? Recovery);

/// <summary>The figures as a table for people, or JSON for scripts.</summary>
public static class EndToEndReport
{
    /// <summary>NaN stands for a time that was never reached (no redelivery, not drained).</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Table(BenchFigures figures)
    {
        var (machine, reports) = (figures.Machine, figures.Workloads);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine.Cores} cores, {machine.Os}, {machine.Runtime}; disk: {machine.FsyncsPerSecond:N0} fsyncs/s (8 KiB write + fsync in the data folder; one takes p50 {machine.Disk.P50Ms:0.00}, p99 {machine.Disk.P99Ms:0.00}, p99.9 {machine.Disk.P999Ms:0.00}, max {machine.Disk.MaxMs:0.0} ms)");
        text.AppendLine(CultureInfo.InvariantCulture, $"Cluster: {machine.Cluster}");
        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{"workload",-12} {"published",10} {"publish/s",10} {"consume/s",10} {"p50 ms",8} {"p99 ms",8} {"p99.9 ms",9} {"max ms",8} {"confirm p50",12} {"confirm p99",12} {"dup",6} {"missing",8}"));
        foreach (var (r, _, _) in reports)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{r.Workload,-12} {r.Published,10:N0} {r.PublishedPerSecond,10:N0} {r.ConsumedPerSecond,10:N0} {r.P50Ms,8:0.00} {r.P99Ms,8:0.00} {r.P999Ms,9:0.00} {r.MaxMs,8:0.0} {r.ConfirmP50Ms,12:0.00} {r.ConfirmP99Ms,12:0.00} {r.Duplicates,6:N0} {r.Missing,8:N0}"));
        }

        foreach (var (r, nodes, _) in reports.Where(r => r.Nodes.Count > 0))
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{r.Workload,-12} nodes: {string.Join(" | ", nodes.Select(n => $"{n.Node} cpu {n.CpuSeconds:0.0} s, peak {n.PeakMegabytes:0} MB"))}"));
        }

        foreach (var (r, _, others) in reports.Where(r => r.Others.Count > 0))
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{r.Workload,-12} other processes: {string.Join(", ", others.Select(o => $"{o.Process} {o.PercentOfCore:0.0} % of a core"))}"));
        }

        if (figures.Memory is { } memory)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"memory       {memory.Pending:N0} pending messages of {memory.PayloadBytes} B: their node keeps {memory.BytesPerPending:0} bytes per pending message alive ({memory.HeapGrowthMegabytes:0.0} MB of managed heap after a full collection; payloads beyond the memory window stay in the journal); resident memory grew {memory.ResidentGrowthMegabytes:0.0} MB, {memory.ResidentBytesPerPending:0} bytes per message"));
        }

        if (figures.Recovery is { } recovery)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"recovery     {recovery.Pending:N0} pending, node killed: downed after {recovery.KillToDownSeconds:0.0} s (shipped split-brain settings), first delivery from its new node {recovery.DownToFirstDeliverySeconds:0.00} s after the downing, drained {recovery.KillToDrainedSeconds:0.0} s after the kill; consumed {recovery.Consumed:N0}, missing {recovery.Missing:N0}"));
        }

        return text.ToString();
    }

    public static string ToJson(BenchFigures figures) => JsonSerializer.Serialize(
        new
        {
            figures.Machine,
            workloads = figures.Workloads.Select(r => new { r.Result, r.Nodes, r.Others }),
            figures.Memory,
            figures.Recovery,
        },
        Json);
}
