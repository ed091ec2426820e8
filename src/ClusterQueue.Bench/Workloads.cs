namespace ClusterQueue.Bench;

/// <summary>The named end-to-end workloads (issue 8's list), from the command line's settings.</summary>
public static class Workloads
{
    public sealed record Settings(long Count, TimeSpan Duration, int LatencyRate, int InFlight, int PayloadBytes, TimeSpan Warmup);

    /// <summary>Every workload, in the order "all" runs them: recovery kills a node, so it runs last.</summary>
    public static IReadOnlyList<string> Names { get; } = ["throughput", "latency", "topics", "fanout", "memory", "recovery"];

    /// <summary>Workloads measured on the nodes' processes, which need the cluster started here.</summary>
    public static IReadOnlyList<string> LocalOnly { get; } = ["memory", "recovery"];

    public static EndToEnd.Workload Of(string name, Settings s) => name switch
    {
        // 1 topic, 1 producer, 1 consumer, as fast as confirmations allow.
        "throughput" => new(name, Topics: 1, Producers: 1, Consumers: 1, Groups: 1, Rate: 0, s.Count, s.Duration, s.PayloadBytes, s.InFlight, s.Warmup),

        // The same at a fixed rate, for latency.
        "latency" => new(name, 1, 1, 1, 1, s.LatencyRate, s.Count, s.Duration, s.PayloadBytes, s.InFlight, s.Warmup),

        // 32 topics, 4 producers, 4 consumers.
        "topics" => new(name, 32, 4, 4, 1, 0, s.Count / 4, s.Duration, s.PayloadBytes, s.InFlight, s.Warmup),

        // 1 topic, 3 groups, each with its consumer.
        "fanout" => new(name, 1, 1, 1, 3, 0, s.Count, s.Duration, s.PayloadBytes, s.InFlight, s.Warmup),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such workload"),
    };

    public static (IReadOnlyList<string> Workloads, string? Error) Choose(IReadOnlyList<string> names, Settings settings)
    {
        if (settings.Count < 0 || (settings.Count == 0 && settings.Duration <= TimeSpan.Zero))
        {
            return ([], "give --count of 1 or more, or --duration of more than 0 seconds");
        }

        if (settings.Warmup < TimeSpan.Zero)
        {
            return ([], $"--warmup must be 0 or more seconds, not {settings.Warmup.TotalSeconds}");
        }

        if (settings.InFlight < 1 || settings.LatencyRate < 1 || settings.PayloadBytes < 16)
        {
            return ([], $"--in-flight and --rate must be 1 or more and --size 16 or more (got {settings.InFlight}, {settings.LatencyRate}, {settings.PayloadBytes})");
        }

        var wanted = names.Contains("all") ? Names : names;
        var unknown = wanted.Except(Names).ToList();
        return unknown.Count > 0
            ? ([], $"no workload {string.Join(", ", unknown.Select(u => $"'{u}'"))}; workloads: {string.Join(", ", Names)}, all")
            : ([.. Names.Where(wanted.Contains)], null);
    }
}
