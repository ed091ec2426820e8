using ClusterQueue.Protocol.Serialization.Proto;
using ClusterQueue.Protocol.Topics;
using Google.Protobuf.Collections;

namespace ClusterQueue.Protocol.Serialization;

// The topic messages and their protobuf form (Proto/topics.proto). Enums are cast both ways without
// checks: an unknown number is kept for the receiver to refuse, as TopicSettings.Validate does.
public sealed partial class ClusterQueueSerializer
{
    private static PublishData ToData(Publish publish)
    {
        var data = new PublishData { Topic = publish.Topic, ProducerId = publish.ProducerId };
        data.Messages.AddRange(publish.Messages.Select(ToData));
        if (publish.ForGroup is not null)
        {
            data.ForGroup = publish.ForGroup;
        }

        return data;
    }

    private static Publish FromData(PublishData data) =>
        new(data.Topic, data.ProducerId, data.Messages.Select(FromData).ToList(), data.HasForGroup ? data.ForGroup : null);

    private static ReplayDeadLettersData ToData(ReplayDeadLetters replay) => new() { Topic = replay.Topic, Count = replay.Count };

    private static ReplayDeadLetters FromData(ReplayDeadLettersData data) => new(data.Topic, data.Count);

    private static DeadLettersReplayedData ToData(DeadLettersReplayed replayed) => new() { Topic = replayed.Topic, Count = replayed.Count };

    private static DeadLettersReplayed FromData(DeadLettersReplayedData data) => new(data.Topic, data.Count);

    private static OutgoingMessageData ToData(OutgoingMessage message)
    {
        var data = new OutgoingMessageData
        {
            ProducerSeq = message.ProducerSeq,
            Payload = PayloadBytes.Wrap(message.Payload),
            HasHeaders = message.Headers is not null,
        };
        if (message.Headers is not null)
        {
            AddHeaders(data.Headers, message.Headers);
        }

        if (message.MessageId is not null)
        {
            data.MessageId = message.MessageId;
        }

        if (message.Ttl is { } ttl)
        {
            data.TtlMicros = ToMicros(ttl);
        }

        if (message.Delay is { } delay)
        {
            data.DelayMicros = ToMicros(delay);
        }

        return data;
    }

    private static OutgoingMessage FromData(OutgoingMessageData data) => new(
        data.ProducerSeq,
        PayloadBytes.Read(data.Payload),
        data.HasHeaders ? HeaderEntries.Read(data.Headers, h => h.Name, h => h.Value) : null,
        data.HasMessageId ? data.MessageId : null,
        data.HasTtlMicros ? FromMicros(data.TtlMicros) : null,
        data.HasDelayMicros ? FromMicros(data.DelayMicros) : null);

    private static SubscribeData ToData(Subscribe subscribe) => new()
    {
        Topic = subscribe.Topic,
        Group = subscribe.Group,
        ConsumerId = subscribe.ConsumerId,
        StartAt = (int)subscribe.StartAt,
        Credit = subscribe.Credit,
    };

    private static Subscribe FromData(SubscribeData data) =>
        new(data.Topic, data.Group, data.ConsumerId, (StartPosition)data.StartAt, data.Credit);

    private static AddCreditData ToData(AddCredit addCredit) => new()
    {
        Topic = addCredit.Topic,
        Group = addCredit.Group,
        ConsumerId = addCredit.ConsumerId,
        Delta = addCredit.Delta,
    };

    private static AddCredit FromData(AddCreditData data) => new(data.Topic, data.Group, data.ConsumerId, data.Delta);

    private static HeartbeatData ToData(Heartbeat heartbeat) =>
        new() { Topic = heartbeat.Topic, Group = heartbeat.Group, ConsumerId = heartbeat.ConsumerId };

    private static Heartbeat FromData(HeartbeatData data) => new(data.Topic, data.Group, data.ConsumerId);

    private static AckData ToData(Ack ack)
    {
        var data = new AckData { Topic = ack.Topic, Group = ack.Group, UpTo = ack.UpTo };
        data.SequenceNrs.AddRange(ack.SequenceNrs);
        return data;
    }

    private static Ack FromData(AckData data) => new(data.Topic, data.Group, data.SequenceNrs.ToList(), data.UpTo);

    private static NackData ToData(Nack nack)
    {
        var data = new NackData { Topic = nack.Topic, Group = nack.Group };
        data.SequenceNrs.AddRange(nack.SequenceNrs);
        if (nack.RedeliverAfter is { } after)
        {
            data.RedeliverAfterMicros = ToMicros(after);
        }

        return data;
    }

    private static Nack FromData(NackData data) => new(
        data.Topic,
        data.Group,
        data.SequenceNrs.ToList(),
        data.HasRedeliverAfterMicros ? FromMicros(data.RedeliverAfterMicros) : null);

    private static ExtendLeaseData ToData(ExtendLease extendLease)
    {
        var data = new ExtendLeaseData
        {
            Topic = extendLease.Topic,
            Group = extendLease.Group,
            ConsumerId = extendLease.ConsumerId,
            ByMicros = ToMicros(extendLease.By),
        };
        data.SequenceNrs.AddRange(extendLease.SequenceNrs);
        return data;
    }

    private static ExtendLease FromData(ExtendLeaseData data) =>
        new(data.Topic, data.Group, data.ConsumerId, data.SequenceNrs.ToList(), FromMicros(data.ByMicros));

    private static UnsubscribeData ToData(Unsubscribe unsubscribe) =>
        new() { Topic = unsubscribe.Topic, Group = unsubscribe.Group, ConsumerId = unsubscribe.ConsumerId };

    private static Unsubscribe FromData(UnsubscribeData data) => new(data.Topic, data.Group, data.ConsumerId);

    private static ConfigureTopicData ToData(ConfigureTopic configureTopic) =>
        new() { Topic = configureTopic.Topic, Settings = ToData(configureTopic.Settings) };

    private static ConfigureTopic FromData(ConfigureTopicData data) => new(data.Topic, FromData(data.Settings));

    private static DeleteTopicData ToData(DeleteTopic deleteTopic) => new() { Topic = deleteTopic.Topic };

    private static DeleteTopic FromData(DeleteTopicData data) => new(data.Topic);

    private static DeleteGroupData ToData(DeleteGroup deleteGroup) => new() { Topic = deleteGroup.Topic, Group = deleteGroup.Group };

    private static DeleteGroup FromData(DeleteGroupData data) => new(data.Topic, data.Group);

    private static GetTopicStatsData ToData(GetTopicStats getTopicStats) => new() { Topic = getTopicStats.Topic };

    private static GetTopicStats FromData(GetTopicStatsData data) => new(data.Topic);

    private static PeekData ToData(Peek peek) => new() { Topic = peek.Topic, Count = peek.Count };

    private static Peek FromData(PeekData data) => new(data.Topic, data.Count);

    private static PurgeData ToData(Purge purge) => new() { Topic = purge.Topic };

    private static Purge FromData(PurgeData data) => new(data.Topic);

    private static TopicErrorData ToData(TopicError error) =>
        new() { Topic = error.Topic, Code = (int)error.Code, Message = error.Message };

    private static TopicError FromData(TopicErrorData data) => new(data.Topic, (ErrorCode)data.Code, data.Message);

    private static PublishResultData ToData(PublishResult result)
    {
        var data = new PublishResultData { Topic = result.Topic, ProducerId = result.ProducerId };
        data.Outcomes.AddRange(result.Outcomes.Select(o =>
        {
            var outcome = new PublishOutcomeData
            {
                ProducerSeq = o.ProducerSeq,
                SequenceNr = o.SequenceNr,
                Duplicate = o.Duplicate,
                Error = (int)o.Error,
            };
            if (o.Reason is not null)
            {
                outcome.Reason = o.Reason;
            }

            return outcome;
        }));
        return data;
    }

    private static PublishResult FromData(PublishResultData data) => new(
        data.Topic,
        data.ProducerId,
        data.Outcomes
            .Select(o => new PublishOutcome(o.ProducerSeq, o.SequenceNr, o.Duplicate, (ErrorCode)o.Error, o.HasReason ? o.Reason : null))
            .ToList());

    private static SubscribedData ToData(Subscribed subscribed) =>
        new() { Topic = subscribed.Topic, Group = subscribed.Group, ConsumerId = subscribed.ConsumerId };

    private static Subscribed FromData(SubscribedData data) => new(data.Topic, data.Group, data.ConsumerId);

    private static HeartbeatAckData ToData(HeartbeatAck heartbeatAck) =>
        new() { Topic = heartbeatAck.Topic, Group = heartbeatAck.Group, ConsumerId = heartbeatAck.ConsumerId };

    private static HeartbeatAck FromData(HeartbeatAckData data) => new(data.Topic, data.Group, data.ConsumerId);

    private static AckResultData ToData(AckResult result)
    {
        var data = new AckResultData { Topic = result.Topic, Group = result.Group, Applied = result.Applied };
        data.Unknown.AddRange(result.Unknown);
        return data;
    }

    private static AckResult FromData(AckResultData data) => new(data.Topic, data.Group, data.Applied, data.Unknown.ToList());

    private static UnsubscribedData ToData(Unsubscribed unsubscribed) =>
        new() { Topic = unsubscribed.Topic, Group = unsubscribed.Group, ConsumerId = unsubscribed.ConsumerId };

    private static Unsubscribed FromData(UnsubscribedData data) => new(data.Topic, data.Group, data.ConsumerId);

    private static TopicConfiguredData ToData(TopicConfigured configured) =>
        new() { Topic = configured.Topic, Settings = ToData(configured.Settings) };

    private static TopicConfigured FromData(TopicConfiguredData data) => new(data.Topic, FromData(data.Settings));

    private static TopicDeletedData ToData(TopicDeleted deleted) => new() { Topic = deleted.Topic };

    private static TopicDeleted FromData(TopicDeletedData data) => new(data.Topic);

    private static GroupDeletedData ToData(GroupDeleted deleted) => new() { Topic = deleted.Topic, Group = deleted.Group };

    private static GroupDeleted FromData(GroupDeletedData data) => new(data.Topic, data.Group);

    private static PurgedData ToData(Purged purged) => new() { Topic = purged.Topic, Count = purged.Count };

    private static Purged FromData(PurgedData data) => new(data.Topic, data.Count);

    private static PeekResultData ToData(PeekResult result)
    {
        var data = new PeekResultData { Topic = result.Topic };
        data.Messages.AddRange(result.Messages.Select(ToData));
        return data;
    }

    private static PeekResult FromData(PeekResultData data) => new(data.Topic, data.Messages.Select(FromData).ToList());

    private static DeliveryData ToData(Delivery delivery)
    {
        var data = new DeliveryData { Topic = delivery.Topic, Group = delivery.Group, ConsumerId = delivery.ConsumerId };
        data.Messages.AddRange(delivery.Messages.Select(m => new DeliveredMessageData
        {
            Message = ToData(m.Message),
            Attempt = m.Attempt,
            LeaseExpiresAtUnixMicros = ToUnixMicros(m.LeaseExpiresAt),
        }));
        return data;
    }

    private static Delivery FromData(DeliveryData data) => new(
        data.Topic,
        data.Group,
        data.ConsumerId,
        data.Messages
            .Select(m => new DeliveredMessage(FromData(m.Message), m.Attempt, FromUnixMicros(m.LeaseExpiresAtUnixMicros)))
            .ToList());

    private static TopicMessageData ToData(TopicMessage message)
    {
        var data = new TopicMessageData
        {
            SequenceNr = message.SequenceNr,
            Payload = PayloadBytes.Wrap(message.Payload),
            PublishedAtUnixMicros = ToUnixMicros(message.PublishedAt),
        };
        AddHeaders(data.Headers, message.Headers);
        if (message.MessageId is not null)
        {
            data.MessageId = message.MessageId;
        }

        return data;
    }

    private static TopicMessage FromData(TopicMessageData data) => new(
        data.SequenceNr,
        PayloadBytes.Read(data.Payload),
        HeaderEntries.Read(data.Headers, h => h.Name, h => h.Value),
        data.HasMessageId ? data.MessageId : null,
        FromUnixMicros(data.PublishedAtUnixMicros));

    private static TopicStatsData ToData(TopicStats stats)
    {
        var data = new TopicStatsData
        {
            Topic = stats.Topic,
            Settings = ToData(stats.Settings),
            Pending = stats.Pending,
            InFlight = stats.InFlight,
            LastSequenceNr = stats.LastSequenceNr,
            Consumers = stats.Consumers,
            PublishRate = stats.PublishRate,
            DeliverRate = stats.DeliverRate,
            Forwarding = stats.Forwarding,
        };
        data.Groups.AddRange(stats.Groups.Select(g => new GroupStatsData
        {
            Group = g.Group,
            Lag = g.Lag,
            InFlight = g.InFlight,
            Consumers = g.Consumers,
            DeadLettered = g.DeadLettered,
        }));
        return data;
    }

    private static TopicStats FromData(TopicStatsData data) => new(
        data.Topic,
        FromData(data.Settings),
        data.Pending,
        data.InFlight,
        data.LastSequenceNr,
        data.Groups.Select(g => new GroupStats(g.Group, g.Lag, g.InFlight, g.Consumers, g.DeadLettered)).ToList(),
        data.Consumers,
        data.PublishRate,
        data.DeliverRate,
        data.Forwarding);

    private static TopicSettingsData ToData(TopicSettings settings)
    {
        var data = new TopicSettingsData
        {
            MaxLength = settings.MaxLength,
            Overflow = (int)settings.Overflow,
            AckTimeoutMicros = ToMicros(settings.AckTimeout),
            MaxDeliveries = settings.MaxDeliveries,
            MessageIdWindow = settings.MessageIdWindow,
            Expiry = (int)settings.Expiry,
            Durability = (int)settings.Durability,
            MaxPayloadBytes = settings.MaxPayloadBytes,
            ConsumerTimeoutMicros = ToMicros(settings.ConsumerTimeout),
        };
        if (settings.DefaultTtl is { } ttl)
        {
            data.DefaultTtlMicros = ToMicros(ttl);
        }

        return data;
    }

    private static TopicSettings FromData(TopicSettingsData data) => new()
    {
        MaxLength = data.MaxLength,
        Overflow = (OverflowPolicy)data.Overflow,
        AckTimeout = FromMicros(data.AckTimeoutMicros),
        MaxDeliveries = data.MaxDeliveries,
        MessageIdWindow = data.MessageIdWindow,
        DefaultTtl = data.HasDefaultTtlMicros ? FromMicros(data.DefaultTtlMicros) : null,
        Expiry = (ExpiryPolicy)data.Expiry,
        Durability = (Durability)data.Durability,
        MaxPayloadBytes = data.MaxPayloadBytes,
        ConsumerTimeout = FromMicros(data.ConsumerTimeoutMicros),
    };

    private static void AddHeaders(RepeatedField<HeaderData> data, IReadOnlyDictionary<string, string> headers)
    {
        foreach (var (name, value) in headers)
        {
            data.Add(new HeaderData { Name = name, Value = value });
        }
    }

    // Truncates toward zero: ticks finer than a microsecond are not carried.
    private static long ToMicros(TimeSpan span) => span.Ticks / TimeSpan.TicksPerMicrosecond;

    private static TimeSpan FromMicros(long micros) => TimeSpan.FromMicroseconds(micros);

    private static long ToUnixMicros(DateTimeOffset time) => ToMicros(time - DateTimeOffset.UnixEpoch);

    // The offset is not carried: the instant comes back in UTC.
    private static DateTimeOffset FromUnixMicros(long micros) => DateTimeOffset.UnixEpoch + FromMicros(micros);
}
