using ClusterQueue.Protocol.Topics;
using FsCheck;
using FsCheck.Fluent;

namespace ClusterQueue.Broker.Tests.Topics;

/// <summary>Settings for one topic and the operations to run against it, in order.</summary>
public sealed record TopicScenario(TopicSettings Settings, IReadOnlyList<TopicStep> Steps)
{
    public override string ToString() =>
        $"max-length {Settings.MaxLength} ({Settings.Overflow}), ack-timeout {Settings.AckTimeout.TotalSeconds}s, "
        + $"max-deliveries {Settings.MaxDeliveries}, id-window {Settings.MessageIdWindow}, "
        + $"default-ttl {(Settings.DefaultTtl is { } ttl ? $"{ttl.TotalSeconds}s" : "none")}, expiry {Settings.Expiry}"
        + string.Concat(Steps.Select((s, i) => $"{Environment.NewLine}  {i}: {s}"));
}

/// <summary>Which message an ack, nack or lease extension names.</summary>
public enum Target
{
    /// <summary>One the consumer holds a lease on (by the deliveries it got), else any.</summary>
    Held = 0,

    /// <summary>One ever delivered to the consumer: its lease may have ended.</summary>
    EverDelivered = 1,

    /// <summary>Any sequence number up to the topic's next one.</summary>
    AnySeq = 2,
}

/// <summary>One operation; groups are g0..g2, consumers c0..c2, producers p0..p1.</summary>
/// <remarks>Operands are picks resolved against the run so far, so any step list is a valid run.</remarks>
public abstract record TopicStep
{
    /// <summary>Simpler forms of this step, for shrinking.</summary>
    public virtual IEnumerable<TopicStep> Simplify() => [];
}

/// <param name="RetryOf">Reuses one of the producer's earlier numbers (picked modulo their count); null for a new one.</param>
/// <param name="Id">Message id m0..m3; null for none.</param>
public sealed record MessageSpec(int? RetryOf, int? Id, int? TtlSeconds, int? DelaySeconds)
{
    public override string ToString() =>
        (RetryOf is { } r ? $"retry#{r}" : "new")
        + (Id is { } id ? $" id=m{id}" : "")
        + (TtlSeconds is { } ttl ? $" ttl={ttl}s" : "")
        + (DelaySeconds is { } delay ? $" delay={delay}s" : "");

    public IEnumerable<MessageSpec> Simplify()
    {
        if (RetryOf is not null)
        {
            yield return this with { RetryOf = null };
        }

        if (Id is not null)
        {
            yield return this with { Id = null };
        }

        if (TtlSeconds is not null)
        {
            yield return this with { TtlSeconds = null };
        }

        if (DelaySeconds is not null)
        {
            yield return this with { DelaySeconds = null };
        }
    }
}

/// <param name="Commit">Commit (mark durable and dispatch) right after; false leaves the batch uncommitted for now.</param>
public sealed record PublishStep(int Producer, IReadOnlyList<MessageSpec> Messages, bool Commit) : TopicStep
{
    public override string ToString() => $"publish p{Producer} [{string.Join(", ", Messages)}]{(Commit ? " + commit" : " (uncommitted)")}";

    public override IEnumerable<TopicStep> Simplify()
    {
        if (!Commit)
        {
            yield return this with { Commit = true };
        }

        for (var i = 0; Messages.Count > 1 && i < Messages.Count; i++)
        {
            yield return this with { Messages = [.. Messages.Take(i), .. Messages.Skip(i + 1)] };
        }

        for (var i = 0; i < Messages.Count; i++)
        {
            foreach (var simpler in Messages[i].Simplify())
            {
                yield return this with { Messages = [.. Messages.Take(i), simpler, .. Messages.Skip(i + 1)] };
            }
        }
    }
}

public sealed record SubscribeStep(int Group, int Consumer, int Credit, StartPosition StartAt) : TopicStep
{
    public override string ToString() => $"subscribe g{Group}/c{Consumer} credit {Credit} from {StartAt}";

    public override IEnumerable<TopicStep> Simplify()
    {
        if (Credit > 1)
        {
            yield return this with { Credit = 1 };
        }
    }
}

/// <param name="UpTo">Acks every message the group holds up to the one picked, not only that one.</param>
public sealed record AckStep(int Group, int Consumer, Target Target, int Pick, bool UpTo) : TopicStep
{
    public override string ToString() => $"ack{(UpTo ? " up to" : "")} g{Group}/c{Consumer} {Target}#{Pick}";

    public override IEnumerable<TopicStep> Simplify()
    {
        if (UpTo)
        {
            yield return this with { UpTo = false };
        }
    }
}

/// <param name="DelaySeconds">Redeliver after this long; null for at once.</param>
public sealed record NackStep(int Group, int Consumer, Target Target, int Pick, int? DelaySeconds) : TopicStep
{
    public override string ToString() => $"nack g{Group}/c{Consumer} {Target}#{Pick}{(DelaySeconds is { } d ? $" redeliver after {d}s" : "")}";

    public override IEnumerable<TopicStep> Simplify()
    {
        if (DelaySeconds is not null)
        {
            yield return this with { DelaySeconds = null };
        }
    }
}

public sealed record ExtendStep(int Group, int Consumer, Target Target, int Pick, int BySeconds) : TopicStep
{
    public override string ToString() => $"extend g{Group}/c{Consumer} {Target}#{Pick} by {BySeconds}s";
}

public sealed record UnsubscribeStep(int Group, int Consumer) : TopicStep
{
    public override string ToString() => $"unsubscribe g{Group}/c{Consumer}";
}

public sealed record HeartbeatStep(int Group, int Consumer) : TopicStep
{
    public override string ToString() => $"heartbeat g{Group}/c{Consumer}";
}

/// <summary>Heartbeats the consumers kept alive (c0 and c1), moves the clock on, then ticks.</summary>
public sealed record AdvanceStep(int Seconds) : TopicStep
{
    public override string ToString() => $"advance {Seconds}s + tick";

    public override IEnumerable<TopicStep> Simplify()
    {
        if (Seconds > 1)
        {
            yield return new AdvanceStep(Seconds / 2);
        }
    }
}

/// <summary>Marks everything published so far durable, then dispatches.</summary>
public sealed record CommitStep : TopicStep
{
    public override string ToString() => "commit";
}

public sealed record PurgeStep : TopicStep
{
    public override string ToString() => "purge";
}

public sealed record DeleteGroupStep(int Group) : TopicStep
{
    public override string ToString() => $"delete g{Group}";
}

/// <summary>Random runs of up to 60 operations against one topic with small settings, and their shrinking.</summary>
public static class TopicScenarios
{
    private const int MaxSteps = 60;

    public static Arbitrary<TopicScenario> Scenarios() => Arb.From(Scenario, Shrink);

    private static readonly Gen<TopicSettings> Settings =
        from ackTimeout in Gen.Choose(2, 5)
        from maxDeliveries in Gen.Choose(2, 3)
        from maxLength in Gen.Frequency((3, Gen.Constant(TopicSettings.Default.MaxLength)), (1, Gen.Choose(3, 8).Select(n => (long)n)))
        from overflow in Gen.Elements(OverflowPolicy.RejectPublish, OverflowPolicy.DeadLetterOldest)
        from expiry in Gen.Elements(ExpiryPolicy.DeadLetter, ExpiryPolicy.Drop)
        from idWindow in Gen.Elements(0, 2, 10_000)
        from defaultTtl in Optional(Gen.Choose(5, 30), 4)
        select new TopicSettings
        {
            AckTimeout = TimeSpan.FromSeconds(ackTimeout),
            MaxDeliveries = maxDeliveries,
            MaxLength = maxLength,
            Overflow = overflow,
            Expiry = expiry,
            MessageIdWindow = idWindow,
            DefaultTtl = defaultTtl is { } ttl ? TimeSpan.FromSeconds(ttl) : null,
            ConsumerTimeout = TimeSpan.FromSeconds(10),
        };

    private static readonly Gen<int> Group = Gen.Choose(0, 2);

    private static readonly Gen<int> Consumer = Gen.Choose(0, 2);

    private static readonly Gen<int> Pick = Gen.Choose(0, 9);

    private static readonly Gen<Target> Targets = Gen.Frequency(
        (6, Gen.Constant(Target.Held)), (2, Gen.Constant(Target.EverDelivered)), (2, Gen.Constant(Target.AnySeq)));

    private static readonly Gen<MessageSpec> Message =
        from retryOf in Optional(Gen.Choose(0, 5), 5)
        from id in Optional(Gen.Choose(0, 3), 3)
        from ttl in Optional(Gen.Choose(1, 15), 4)
        from delay in Optional(Gen.Choose(1, 8), 4)
        select new MessageSpec(retryOf, id, ttl, delay);

    private static readonly Gen<TopicStep> Publish =
        from producer in Gen.Choose(0, 1)
        from count in Gen.Frequency((3, Gen.Constant(1)), (1, Gen.Choose(2, 4)))
        from messages in Message.ArrayOf(count)
        from commit in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        select (TopicStep)new PublishStep(producer, messages, commit);

    private static readonly Gen<TopicStep> Subscribe =
        from g in Group
        from c in Consumer
        from credit in Gen.Choose(1, 5)
        from start in Gen.Elements(StartPosition.New, StartPosition.Earliest)
        select (TopicStep)new SubscribeStep(g, c, credit, start);

    private static readonly Gen<TopicStep> Ack =
        from g in Group
        from c in Consumer
        from target in Targets
        from pick in Pick
        from upTo in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
        select (TopicStep)new AckStep(g, c, target, pick, upTo);

    private static readonly Gen<TopicStep> Nack =
        from g in Group
        from c in Consumer
        from target in Targets
        from pick in Pick
        from delay in Optional(Gen.Choose(0, 6), 1)
        select (TopicStep)new NackStep(g, c, target, pick, delay);

    private static readonly Gen<TopicStep> Extend =
        from g in Group
        from c in Consumer
        from target in Targets
        from pick in Pick
        from seconds in Gen.Choose(1, 10)
        select (TopicStep)new ExtendStep(g, c, target, pick, seconds);

    private static readonly Gen<TopicStep> AnyStep = Gen.Frequency(
        (25, Publish),
        (10, Subscribe),
        (20, Ack),
        (8, Nack),
        (5, Extend),
        (3, from g in Group from c in Consumer select (TopicStep)new UnsubscribeStep(g, c)),
        (3, from g in Group from c in Consumer select (TopicStep)new HeartbeatStep(g, c)),
        (15, Gen.Choose(0, 6).Select(s => (TopicStep)new AdvanceStep(s))),
        (8, Gen.Constant((TopicStep)new CommitStep())),
        (1, Gen.Constant((TopicStep)new PurgeStep())),
        (2, Group.Select(g => (TopicStep)new DeleteGroupStep(g))));

    private static readonly Gen<TopicScenario> Scenario =
        from settings in Settings
        from length in Gen.Sized(size => Gen.Choose(1, Math.Clamp(size, 5, MaxSteps)))
        from steps in AnyStep.ArrayOf(length)
        select new TopicScenario(settings, steps);

    /// <summary>Null in <paramref name="noneWeight"/> cases out of <paramref name="noneWeight"/> + 1.</summary>
    private static Gen<int?> Optional(Gen<int> value, int noneWeight) =>
        Gen.Frequency((noneWeight, Gen.Constant<int?>(null)), (1, value.Select(v => (int?)v)));

    /// <summary>Fewer steps first (halves down to single steps), then simpler steps, then plainer settings.</summary>
    private static IEnumerable<TopicScenario> Shrink(TopicScenario scenario)
    {
        var steps = scenario.Steps;
        for (var chunk = steps.Count / 2; chunk >= 1; chunk /= 2)
        {
            for (var at = 0; at + chunk <= steps.Count; at += chunk)
            {
                yield return scenario with { Steps = [.. steps.Take(at), .. steps.Skip(at + chunk)] };
            }
        }

        for (var i = 0; i < steps.Count; i++)
        {
            foreach (var simpler in steps[i].Simplify())
            {
                yield return scenario with { Steps = [.. steps.Take(i), simpler, .. steps.Skip(i + 1)] };
            }
        }

        var settings = scenario.Settings;
        if (settings.MaxLength != TopicSettings.Default.MaxLength)
        {
            yield return scenario with { Settings = settings with { MaxLength = TopicSettings.Default.MaxLength } };
        }

        if (settings.DefaultTtl is not null)
        {
            yield return scenario with { Settings = settings with { DefaultTtl = null } };
        }

        if (settings.MessageIdWindow != 0)
        {
            yield return scenario with { Settings = settings with { MessageIdWindow = 0 } };
        }
    }
}
