using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client.Consuming;

/// <summary>How a consumer takes messages of one topic for one group.</summary>
public sealed record ConsumerOptions
{
    /// <summary>The consumer's id within its group; unique per consumer instance.</summary>
    public string ConsumerId { get; init; } = $"{Environment.MachineName}-{Guid.NewGuid():N}";

    /// <summary>A new group starts with messages published from now on, or with the oldest held.</summary>
    public StartPosition StartAt { get; init; } = StartPosition.New;

    /// <summary>Most messages delivered to this consumer and not yet acked or nacked.</summary>
    public int Credit { get; init; } = 100;

    /// <summary>Most handlers running at once.</summary>
    public int MaxConcurrency { get; init; } = 1;

    /// <summary>After a handler fails, how long before the message is delivered again; null for at once.</summary>
    public TimeSpan? RedeliveryDelay { get; init; }

    /// <summary>How often the consumer tells the topic it is alive (which also keeps a gateway's response tunnel open).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Without any answer from the topic for this long, the consumer subscribes again (the topic moved or restarted).</summary>
    public TimeSpan SilenceBeforeResubscribing { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>Acks wait at most this long to be sent together.</summary>
    public TimeSpan AckBatchDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConsumerId) || Credit < 1 || MaxConcurrency < 1 || HeartbeatInterval <= TimeSpan.Zero
            || SilenceBeforeResubscribing <= HeartbeatInterval || AckBatchDelay < TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"consumer options need an id, credit and concurrency of at least 1, and a silence longer than the heartbeat interval; got {this}");
        }
    }
}

/// <summary>A message handed to a consumer's handler.</summary>
/// <param name="Attempt">1 for the first delivery within the group, more for redeliveries.</param>
public sealed record ConsumedMessage(string Topic, string Group, TopicMessage Message, int Attempt);
