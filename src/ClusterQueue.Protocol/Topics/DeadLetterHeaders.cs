namespace ClusterQueue.Protocol.Topics;

/// <summary>Headers a dead-letter topic's messages carry, naming where and why they died.</summary>
public static class DeadLetterHeaders
{
    /// <summary>Every dead-letter header starts so; a replay strips them.</summary>
    public const string Prefix = "cq-dead-letter-";

    public const string Topic = "cq-dead-letter-topic";
    public const string Group = "cq-dead-letter-group";
    public const string Reason = "cq-dead-letter-reason";
    public const string Attempts = "cq-dead-letter-attempts";
    public const string SequenceNr = "cq-dead-letter-sequence-nr";
}
