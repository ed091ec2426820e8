namespace ClusterQueue.Chaos;

/// <summary>The faults the run injects, one at a time; poison messages run throughout.</summary>
public enum FaultKind
{
    /// <summary>SIGKILL a broker, as a machine crash; the runner restarts it, as an orchestrator would.</summary>
    KillBroker,

    /// <summary>SIGSTOP a broker for longer than failure detection and downing, then SIGCONT; downed, it exits and is restarted.</summary>
    PauseBroker,

    /// <summary>SIGTERM every broker in turn, each restarted and Up before the next.</summary>
    RollingRestart,

    /// <summary>SIGKILL a consumer process mid-handling, then start it again.</summary>
    KillConsumer,

    /// <summary>Another connection holds every journal file with BEGIN EXCLUSIVE for a while.</summary>
    JournalOutage,

    /// <summary>A consumer takes long over every message for a while.</summary>
    SlowConsumer,
}

/// <summary>A fault to inject and at which broker or consumer (an index, wrapped to how many there are).</summary>
public sealed record PlannedFault(FaultKind Kind, int Target);

/// <summary>The order of faults, drawn from a seed so a failing run can be replayed.</summary>
public static class FaultSchedule
{
    /// <summary>Every kind once in an order drawn from the seed, then kinds drawn at random, without end.</summary>
    public static IEnumerable<PlannedFault> Draw(int seed)
    {
        var random = new Random(seed);
        var kinds = Enum.GetValues<FaultKind>();
        foreach (var kind in kinds.OrderBy(_ => random.Next()).ToList())
        {
            yield return new PlannedFault(kind, random.Next(1000));
        }

        while (true)
        {
            yield return new PlannedFault(kinds[random.Next(kinds.Length)], random.Next(1000));
        }
    }
}
