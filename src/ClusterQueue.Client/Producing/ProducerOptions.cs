namespace ClusterQueue.Client.Producing;

/// <summary>How a producer publishes to one topic.</summary>
public sealed record ProducerOptions
{
    /// <summary>The producer's id; the topic deduplicates on (id, number). Unique per producer instance: a new one restarts the numbers.</summary>
    public string ProducerId { get; init; } = $"{Environment.MachineName}-{Guid.NewGuid():N}";

    /// <summary>Most messages accepted and not yet confirmed or refused; a caller beyond it waits.</summary>
    public int Window { get; init; } = 1000;

    /// <summary>Most messages in one publish request (fewer when their bytes would not fit one envelope).</summary>
    public int MaxBatch { get; init; } = 100;

    /// <summary>Most publish requests awaiting an answer at once.</summary>
    public int MaxRequestsInFlight { get; init; } = 8;

    /// <summary>How long one request waits for its answer before it is sent again, with the same numbers.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a message is retried before its publish fails with a <see cref="TimeoutException"/>.</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ProducerId) || Window < 1 || MaxBatch is < 1 or > 1000 || MaxRequestsInFlight < 1
            || RequestTimeout <= TimeSpan.Zero || PublishTimeout < RequestTimeout)
        {
            throw new ArgumentException(
                $"producer options need an id, a window of at least 1, a batch of 1 to 1000, at least one request in flight, and a publish timeout no shorter than the request timeout; got {this}");
        }
    }
}
