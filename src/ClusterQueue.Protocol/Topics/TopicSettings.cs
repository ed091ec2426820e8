namespace ClusterQueue.Protocol.Topics;

public enum OverflowPolicy
{
    /// <summary>Publishes past max-length are rejected with <see cref="ErrorCode.TopicFull"/>.</summary>
    RejectPublish = 0,

    /// <summary>The oldest messages are dead-lettered to make room.</summary>
    DeadLetterOldest = 1,
}

public enum ExpiryPolicy
{
    /// <summary>Expired messages go to the dead-letter topic, per group.</summary>
    DeadLetter = 0,

    /// <summary>Expired messages are dropped.</summary>
    Drop = 1,
}

public enum Durability
{
    /// <summary>Confirmed only once committed to the journal on disk.</summary>
    Durable = 0,

    /// <summary>Kept in memory only: faster, lost when the topic stops.</summary>
    InMemory = 1,
}

/// <summary>How a topic behaves; every value is validated by <see cref="Validate"/>.</summary>
public sealed record TopicSettings
{
    public static readonly TopicSettings Default = new();

    /// <summary>Most messages the topic holds (pending, in flight or delayed).</summary>
    public long MaxLength { get; init; } = 1_000_000;

    public OverflowPolicy Overflow { get; init; } = OverflowPolicy.RejectPublish;

    /// <summary>How long a delivery is leased to a consumer before it is delivered again.</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries of one message within a group before it is dead-lettered; 0 = unlimited.</summary>
    public int MaxDeliveries { get; init; } = 5;

    /// <summary>How many recent application message ids are remembered for dedup; 0 = off.</summary>
    public int MessageIdWindow { get; init; } = 10_000;

    /// <summary>TTL of messages that carry none; null = they never expire.</summary>
    public TimeSpan? DefaultTtl { get; init; }

    public ExpiryPolicy Expiry { get; init; } = ExpiryPolicy.DeadLetter;

    public Durability Durability { get; init; } = Durability.Durable;

    /// <summary>Largest payload accepted, in bytes; at most <see cref="TopicLimits.MaxPayloadBytes"/>.</summary>
    public int MaxPayloadBytes { get; init; } = 64 * 1024;

    /// <summary>A consumer silent this long is dropped and its leases end.</summary>
    public TimeSpan ConsumerTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest TTL, delay, lease extension or redelivery delay accepted.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(14);

    /// <summary>The first problem with these settings, or null when they are valid.</summary>
    public string? Validate()
    {
        if (MaxLength < 1)
        {
            return $"max-length must be at least 1, not {MaxLength}";
        }

        if (AckTimeout < TimeSpan.FromMilliseconds(100) || AckTimeout > MaxDuration)
        {
            return $"ack-timeout must be from 100ms to {MaxDuration.TotalDays} days, not {AckTimeout}";
        }

        if (MaxDeliveries < 0)
        {
            return $"max-deliveries must be 0 (unlimited) or more, not {MaxDeliveries}";
        }

        if (MessageIdWindow is < 0 or > 1_000_000)
        {
            return $"message-id-window must be from 0 to 1000000, not {MessageIdWindow}";
        }

        if (DefaultTtl is { } ttl && (ttl <= TimeSpan.Zero || ttl > MaxDuration))
        {
            return $"default-ttl must be more than 0 and at most {MaxDuration.TotalDays} days, not {ttl}";
        }

        if (MaxPayloadBytes is < 1 or > TopicLimits.MaxPayloadBytes)
        {
            return $"max-payload-bytes must be from 1 to {TopicLimits.MaxPayloadBytes} (one message must fit the remoting frame), not {MaxPayloadBytes}";
        }

        if (ConsumerTimeout < TimeSpan.FromSeconds(1) || ConsumerTimeout > TimeSpan.FromHours(1))
        {
            return $"consumer-timeout must be from 1s to 1h, not {ConsumerTimeout}";
        }

        if (!Enum.IsDefined(Overflow) || !Enum.IsDefined(Expiry) || !Enum.IsDefined(Durability))
        {
            return "overflow, expiry and durability must be known policies";
        }

        return null;
    }
}
