namespace ClusterQueue.Chaos;

/// <summary>The run's verdict, in the spirit of Jepsen's total-queue check.</summary>
/// <param name="Lost">Confirmed messages a group never acked (or, for poison, never dead-lettered): must be none.</param>
/// <param name="Duplicates">Acked deliveries beyond the first, per (message, group); at-least-once allows them.</param>
/// <param name="DuplicatesByFault">Duplicates by the fault that came last before each.</param>
/// <param name="OrderViolations">First deliveries to a group that a consumer got below a number it had already got, by the fault that came last before each.</param>
/// <param name="Problems">Anything else the contract forbids: refused messages delivered, healthy messages dead-lettered, ...</param>
/// <param name="LongestWithoutPublish">The longest stretch between two confirmed publishes.</param>
public sealed record ChaosSummary(
    int Confirmed,
    int Refused,
    int Unknown,
    int UnknownButStored,
    int Delivered,
    IReadOnlyList<string> Lost,
    int Duplicates,
    IReadOnlyDictionary<string, int> DuplicatesByFault,
    IReadOnlyDictionary<string, int> OrderViolations,
    int PoisonDeadLettered,
    IReadOnlyList<string> Problems,
    int FaultsInjected,
    PublishGap LongestWithoutPublish)
{
    public bool Passed => Lost.Count == 0 && Problems.Count == 0;
}

/// <summary>A stretch without a confirmed publish: how long, when it began, and the kind of the fault that started last before it ended ("none" before the first).</summary>
public sealed record PublishGap(TimeSpan Length, DateTime? Start, string AfterFault)
{
    public static readonly PublishGap None = new(TimeSpan.Zero, null, "none");
}

public static class Checker
{
    public static ChaosSummary Check(History history)
    {
        var publishes = history.Publishes;
        var confirmed = publishes.Where(p => p.Outcome == PublishOutcome.Confirmed).ToList();
        var acked = history.Receives.Where(r => r.Acked).OrderBy(r => r.At).ToList();
        var ackedByIdGroup = acked.GroupBy(r => (r.Id, r.Group)).ToDictionary(g => g.Key, g => g.ToList());
        var deadByIdGroup = history.DeadLetters.GroupBy(d => (d.Id, d.Group)).ToDictionary(g => g.Key, g => g.ToList());
        var problems = new List<string>();

        var lost = new List<string>();
        foreach (var message in confirmed)
        {
            foreach (var group in history.Groups)
            {
                var done = message.Poison ? deadByIdGroup.ContainsKey((message.Id, group)) : ackedByIdGroup.ContainsKey((message.Id, group));
                if (!done)
                {
                    lost.Add($"{message.Id} (topic {message.Topic}, number {message.SequenceNr}{(message.Poison ? ", poison" : "")}) never {(message.Poison ? "dead-lettered" : "acked")} by group {group}");
                }
            }
        }

        var byId = publishes.ToDictionary(p => p.Id);
        var seen = history.Receives.Select(r => r.Id).Concat(history.DeadLetters.Select(d => d.Id)).ToHashSet();
        foreach (var refused in publishes.Where(p => p.Outcome == PublishOutcome.Refused && seen.Contains(p.Id)))
        {
            problems.Add($"{refused.Id} was refused at publish but delivered");
        }

        foreach (var unknownId in seen.Where(id => !byId.ContainsKey(id)))
        {
            problems.Add($"{unknownId} was delivered but never published");
        }

        foreach (var ((id, group), letters) in deadByIdGroup)
        {
            if (byId.TryGetValue(id, out var published) && !published.Poison)
            {
                problems.Add($"{id} was dead-lettered for group {group} ({letters[0].Reason}) but is no poison message");
            }
            else if (letters.Any(l => l.Reason != "MaxDeliveries"))
            {
                problems.Add($"poison message {id} was dead-lettered for group {group} with reason {letters[0].Reason}, not MaxDeliveries");
            }
        }

        foreach (var poisonAcked in acked.Where(r => byId.TryGetValue(r.Id, out var p) && p.Poison))
        {
            problems.Add($"poison message {poisonAcked.Id} was acked by {poisonAcked.Consumer}");
        }

        // A topic numbers each message once; one number on two messages means two owners of the
        // topic numbered over each other (as two clusters on one journal did).
        var numbered = confirmed.Select(p => (p.Topic, p.SequenceNr, p.Id))
            .Concat(history.Receives.Select(r => (r.Topic, r.SequenceNr, r.Id)))
            .Distinct()
            .GroupBy(n => (n.Topic, n.SequenceNr))
            .Where(g => g.Count() > 1);
        foreach (var reused in numbered)
        {
            problems.Add($"number {reused.Key.SequenceNr} of topic {reused.Key.Topic} was given to {string.Join(" and ", reused.Select(n => n.Id).Order(StringComparer.Ordinal))}");
        }

        var duplicates = ackedByIdGroup.Values.SelectMany(deliveries => deliveries.Skip(1)).ToList();

        return new ChaosSummary(
            confirmed.Count,
            publishes.Count(p => p.Outcome == PublishOutcome.Refused),
            publishes.Count(p => p.Outcome == PublishOutcome.Unknown),
            publishes.Count(p => p.Outcome == PublishOutcome.Unknown && seen.Contains(p.Id)),
            ackedByIdGroup.Count,
            lost,
            duplicates.Count,
            ByLastFault(duplicates, history.Faults),
            ByLastFault(OutOfOrder(history.Receives), history.Faults),
            deadByIdGroup.Count(kv => byId.TryGetValue(kv.Key.Id, out var p) && p.Poison),
            problems,
            history.Faults.Count,
            LongestGap(confirmed.Select(p => p.At), history.Faults));
    }

    /// <summary>
    /// Each consumer must get the messages new to its group in the topic's order; redeliveries
    /// (a number the group already got, or attempt above 1) may come in any order.
    /// </summary>
    private static List<ReceiveRecord> OutOfOrder(IReadOnlyList<ReceiveRecord> receives)
    {
        var groupSaw = new HashSet<(string Id, string Group)>();
        var highest = new Dictionary<(string Topic, string Group, string Consumer), long>();
        var violations = new List<ReceiveRecord>();
        foreach (var receive in receives.OrderBy(r => r.At))
        {
            if (!groupSaw.Add((receive.Id, receive.Group)) || receive.Attempt > 1)
            {
                continue;
            }

            var key = (receive.Topic, receive.Group, receive.Consumer);
            if (highest.TryGetValue(key, out var before) && receive.SequenceNr < before)
            {
                violations.Add(receive);
            }

            highest[key] = Math.Max(before, receive.SequenceNr);
        }

        return violations;
    }

    /// <summary>Counts deliveries by the kind of the fault that started last before each ("none" before the first).</summary>
    private static Dictionary<string, int> ByLastFault(IEnumerable<ReceiveRecord> deliveries, IReadOnlyList<FaultRecord> faults) =>
        deliveries
            .GroupBy(d => faults.Where(f => f.Start <= d.At).MaxBy(f => f.Start)?.Kind.ToString() ?? "none")
            .ToDictionary(g => g.Key, g => g.Count());

    private static PublishGap LongestGap(IEnumerable<DateTime> times, IReadOnlyList<FaultRecord> faults)
    {
        var sorted = times.Order().ToList();
        if (sorted.Count < 2)
        {
            return PublishGap.None;
        }

        var (start, end) = sorted.Zip(sorted.Skip(1), (a, b) => (Start: a, End: b)).MaxBy(pair => pair.End - pair.Start);
        var fault = faults.Where(f => f.Start <= end).MaxBy(f => f.Start)?.Kind.ToString() ?? "none";
        return new PublishGap(end - start, start, fault);
    }
}
