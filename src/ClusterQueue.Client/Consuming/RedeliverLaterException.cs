namespace ClusterQueue.Client.Consuming;

/// <summary>
/// Thrown by a handler that wants its message delivered again after <see cref="Delay"/> rather
/// than after the consumer's redelivery delay; like any failure it counts toward max deliveries.
/// </summary>
public sealed class RedeliverLaterException(TimeSpan? delay, string reason) : Exception(reason)
{
    /// <summary>How long before the message is delivered again; null for the consumer's redelivery delay.</summary>
    public TimeSpan? Delay { get; } = delay;
}
