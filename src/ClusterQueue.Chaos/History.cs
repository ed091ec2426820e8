using System.Globalization;

namespace ClusterQueue.Chaos;

/// <summary>What became of one publish, as its producer saw it.</summary>
public enum PublishOutcome
{
    /// <summary>The topic confirmed it: it must be delivered.</summary>
    Confirmed,

    /// <summary>The topic refused it: it must not be delivered.</summary>
    Refused,

    /// <summary>No answer in time: it may or may not have been stored.</summary>
    Unknown,
}

/// <param name="Id">Unique over the run; also the message id and the payload.</param>
public sealed record PublishRecord(string Id, string Topic, bool Poison, PublishOutcome Outcome, long SequenceNr, DateTime At);

/// <summary>A delivery a consumer handled: acked when its handler succeeded, nacked when it failed (poison).</summary>
/// <param name="Consumer">The consumer process and its incarnation: a restarted consumer is another.</param>
public sealed record ReceiveRecord(string Id, string Topic, string Group, string Consumer, long SequenceNr, int Attempt, bool Acked, DateTime At)
{
    public string ToLine() => string.Join('\t', Id, Topic, Group, Consumer, SequenceNr.ToString(CultureInfo.InvariantCulture),
        Attempt.ToString(CultureInfo.InvariantCulture), Acked ? "ack" : "nack", At.ToString("O", CultureInfo.InvariantCulture));

    /// <summary>The record on a line, or null for a line cut short (its writer was killed mid-write).</summary>
    public static ReceiveRecord? Parse(string line)
    {
        var f = line.Split('\t');
        if (f.Length != 8
            || !long.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            || !int.TryParse(f[5], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt)
            || f[6] is not ("ack" or "nack")
            || !DateTime.TryParse(f[7], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at))
        {
            return null;
        }

        return new ReceiveRecord(f[0], f[1], f[2], f[3], seq, attempt, f[6] == "ack", at);
    }
}

/// <summary>A message found in a dead-letter topic at the end of the run.</summary>
public sealed record DeadLetterRecord(string Id, string Topic, string Group, string Reason);

/// <summary>A fault the runner injected, from its start until the cluster had settled again.</summary>
public sealed record FaultRecord(FaultKind Kind, string Target, DateTime Start, DateTime End);

/// <summary>Everything the run saw, for the checker.</summary>
public sealed record History(
    IReadOnlyList<PublishRecord> Publishes,
    IReadOnlyList<ReceiveRecord> Receives,
    IReadOnlyList<DeadLetterRecord> DeadLetters,
    IReadOnlyList<FaultRecord> Faults,
    IReadOnlyList<string> Groups);
