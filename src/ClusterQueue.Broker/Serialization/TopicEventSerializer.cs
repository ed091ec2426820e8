using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using ClusterQueue.Broker.Serialization.Proto;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Protocol.Serialization;
using ClusterQueue.Protocol.Topics;
using Google.Protobuf;

namespace ClusterQueue.Broker.Serialization;

/// <summary>
/// Serializes every <see cref="IDurableTopicEvent"/> (Proto/topic_events.proto) and the
/// <see cref="TopicSnapshot"/> (Proto/topic_snapshot.proto) as protobuf, so a topic's journal and
/// snapshots hold no CLR type names and what an older version wrote still reads.
/// </summary>
/// <remarks>
/// Enums are cast both ways without checks: an unknown number is kept for the reader to judge, as
/// <see cref="TopicSettings.Validate"/> does.
/// </remarks>
public sealed class TopicEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Unique among the serializers of an ActorSystem; ClusterQueueSerializer is 451.</summary>
    public const int SerializerId = 452;

    // Manifests are short and stable: they are written beside every persisted event and snapshot.
    private const string TopicSettingsChangedManifest = "TSC";
    private const string TopicDeletedManifest = "TDE";
    private const string MessagesAppendedManifest = "MAP";
    private const string GroupCreatedManifest = "GC";
    private const string GroupDeletedManifest = "GDE";
    private const string MessagesLeasedManifest = "MLS";
    private const string MessagesAckedManifest = "MAK";
    private const string MessagesReleasedManifest = "MRL";
    private const string LeasesExtendedManifest = "LEX";
    private const string MessagesDeadLetteredManifest = "MDL";
    private const string DeadLettersForwardedManifest = "DLF";
    private const string MessagesReplayingManifest = "MRP";
    private const string ReplaysConfirmedManifest = "RPC";
    private const string MessagesExpiredManifest = "MEX";
    private const string MessagesPurgedManifest = "MPG";
    private const string TopicSnapshotManifest = "SNP";

    /// <summary>
    /// Binds every durable topic event and the topic snapshot to this serializer; a node that runs topics loads it.
    /// The snapshot is no event, so it needs a binding of its own.
    /// </summary>
    public static Config Configuration { get; } = ConfigurationFactory.ParseString(
        $$"""
        akka.actor {
          serializers.clusterqueue-topic-events = "{{typeof(TopicEventSerializer).AssemblyQualifiedName}}"
          serialization-bindings {
            "{{typeof(IDurableTopicEvent).AssemblyQualifiedName}}" = clusterqueue-topic-events
            "{{typeof(TopicSnapshot).AssemblyQualifiedName}}" = clusterqueue-topic-events
          }
        }
        """);

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        TopicSettingsChanged => TopicSettingsChangedManifest,
        TopicDeletedEvent => TopicDeletedManifest,
        MessagesAppended => MessagesAppendedManifest,
        GroupCreated => GroupCreatedManifest,
        GroupDeletedEvent => GroupDeletedManifest,
        MessagesLeased => MessagesLeasedManifest,
        MessagesAcked => MessagesAckedManifest,
        MessagesReleased => MessagesReleasedManifest,
        LeasesExtended => LeasesExtendedManifest,
        MessagesDeadLettered => MessagesDeadLetteredManifest,
        DeadLettersForwarded => DeadLettersForwardedManifest,
        MessagesReplaying => MessagesReplayingManifest,
        ReplaysConfirmed => ReplaysConfirmedManifest,
        MessagesExpired => MessagesExpiredManifest,
        MessagesPurged => MessagesPurgedManifest,
        TopicSnapshot => TopicSnapshotManifest,
        _ => throw new ArgumentException($"{nameof(TopicEventSerializer)} cannot serialize {o.GetType()}", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        TopicSettingsChanged changed => new TopicSettingsChangedData { Settings = ToData(changed.Settings) }.ToByteArray(),
        TopicDeletedEvent => [],
        MessagesAppended appended => ToData(appended).ToByteArray(),
        GroupCreated created => new GroupCreatedData { Group = created.Group, FirstSequenceNr = created.FirstSequenceNr }.ToByteArray(),
        GroupDeletedEvent deleted => new GroupDeletedData { Group = deleted.Group }.ToByteArray(),
        MessagesLeased leased => ToData(leased).ToByteArray(),
        MessagesAcked acked => ToData(acked).ToByteArray(),
        MessagesReleased released => ToData(released).ToByteArray(),
        LeasesExtended extended => ToData(extended).ToByteArray(),
        MessagesDeadLettered deadLettered => ToData(deadLettered).ToByteArray(),
        DeadLettersForwarded forwarded => ToData(forwarded).ToByteArray(),
        MessagesReplaying replaying => ToData(replaying).ToByteArray(),
        ReplaysConfirmed confirmed => ToData(confirmed).ToByteArray(),
        MessagesExpired expired => ToData(expired).ToByteArray(),
        MessagesPurged purged => new MessagesPurgedData { UpToSequenceNr = purged.UpToSequenceNr }.ToByteArray(),
        TopicSnapshot snapshot => ToData(snapshot).ToByteArray(),
        _ => throw new ArgumentException($"{nameof(TopicEventSerializer)} cannot serialize {obj.GetType()}", nameof(obj)),
    };

    /// <summary>Reads an event or a snapshot; bytes that do not make one are a <see cref="SerializationException"/> naming the manifest.</summary>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            return Read(bytes, manifest);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or NullReferenceException or ArgumentException or OverflowException)
        {
            throw new SerializationException($"{nameof(TopicEventSerializer)} cannot read a '{manifest}' event: {e.Message}", e);
        }
    }

    private static object Read(byte[] bytes, string manifest) => manifest switch
    {
        TopicSettingsChangedManifest => new TopicSettingsChanged(FromData(TopicSettingsChangedData.Parser.ParseFrom(bytes).Settings)),
        TopicDeletedManifest => TopicDeletedEvent.Instance,
        MessagesAppendedManifest => FromData(MessagesAppendedData.Parser.ParseFrom(bytes)),
        GroupCreatedManifest => FromData(GroupCreatedData.Parser.ParseFrom(bytes)),
        GroupDeletedManifest => new GroupDeletedEvent(GroupDeletedData.Parser.ParseFrom(bytes).Group),
        MessagesLeasedManifest => FromData(MessagesLeasedData.Parser.ParseFrom(bytes)),
        MessagesAckedManifest => FromData(MessagesAckedData.Parser.ParseFrom(bytes)),
        MessagesReleasedManifest => FromData(MessagesReleasedData.Parser.ParseFrom(bytes)),
        LeasesExtendedManifest => FromData(LeasesExtendedData.Parser.ParseFrom(bytes)),
        MessagesDeadLetteredManifest => FromData(MessagesDeadLetteredData.Parser.ParseFrom(bytes)),
        DeadLettersForwardedManifest => new DeadLettersForwarded(DeadLettersForwardedData.Parser.ParseFrom(bytes).DeadLetterIds.ToList()),
        MessagesReplayingManifest => new MessagesReplaying(MessagesReplayingData.Parser.ParseFrom(bytes).SequenceNrs.ToList()),
        ReplaysConfirmedManifest => new ReplaysConfirmed(ReplaysConfirmedData.Parser.ParseFrom(bytes).SequenceNrs.ToList()),
        MessagesExpiredManifest => FromData(MessagesExpiredData.Parser.ParseFrom(bytes)),
        MessagesPurgedManifest => new MessagesPurged(MessagesPurgedData.Parser.ParseFrom(bytes).UpToSequenceNr),
        TopicSnapshotManifest => FromData(TopicSnapshotData.Parser.ParseFrom(bytes)),
        _ => throw new SerializationException($"{nameof(TopicEventSerializer)} knows no manifest '{manifest}'"),
    };

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

    private static MessagesAppendedData ToData(MessagesAppended appended)
    {
        var data = new MessagesAppendedData();
        data.Messages.AddRange(appended.Messages.Select(ToData));
        return data;
    }

    private static MessagesAppended FromData(MessagesAppendedData data) => new(data.Messages.Select(FromData).ToList());

    private static StoredMessageData ToData(StoredMessage message)
    {
        var data = new StoredMessageData
        {
            SequenceNr = message.SequenceNr,
            ProducerId = message.ProducerId,
            ProducerSeq = message.ProducerSeq,
            // Stored payloads are never changed, and the data is written out at once: no copy needed.
            Payload = PayloadBytes.Wrap(message.Payload),
            PublishedAtUnixMicros = ToUnixMicros(message.PublishedAt),
        };
        foreach (var (name, value) in message.Headers)
        {
            data.Headers.Add(new StoredHeaderData { Name = name, Value = value });
        }

        if (message.MessageId is not null)
        {
            data.MessageId = message.MessageId;
        }

        if (message.ExpiresAt is { } expiresAt)
        {
            data.ExpiresAtUnixMicros = ToUnixMicros(expiresAt);
        }

        if (message.DeliverAt is { } deliverAt)
        {
            data.DeliverAtUnixMicros = ToUnixMicros(deliverAt);
        }

        if (message.OnlyGroup is not null)
        {
            data.OnlyGroup = message.OnlyGroup;
        }

        return data;
    }

    private static StoredMessage FromData(StoredMessageData data) => new(
        data.SequenceNr,
        data.ProducerId,
        data.ProducerSeq,
        data.HasMessageId ? data.MessageId : null,
        PayloadBytes.Read(data.Payload),
        HeaderEntries.Read(data.Headers, h => h.Name, h => h.Value),
        FromUnixMicros(data.PublishedAtUnixMicros),
        data.HasExpiresAtUnixMicros ? FromUnixMicros(data.ExpiresAtUnixMicros) : null,
        data.HasDeliverAtUnixMicros ? FromUnixMicros(data.DeliverAtUnixMicros) : null,
        data.HasOnlyGroup ? data.OnlyGroup : null);

    private static GroupCreated FromData(GroupCreatedData data) => new(data.Group, data.FirstSequenceNr);

    private static MessagesLeasedData ToData(MessagesLeased leased)
    {
        var data = new MessagesLeasedData
        {
            Group = leased.Group,
            ConsumerId = leased.ConsumerId,
            LeaseExpiresAtUnixMicros = ToUnixMicros(leased.LeaseExpiresAt),
        };
        data.SequenceNrs.AddRange(leased.SequenceNrs);
        return data;
    }

    private static MessagesLeased FromData(MessagesLeasedData data) =>
        new(data.Group, data.ConsumerId, data.SequenceNrs.ToList(), FromUnixMicros(data.LeaseExpiresAtUnixMicros));

    private static MessagesAckedData ToData(MessagesAcked acked)
    {
        var data = new MessagesAckedData { Group = acked.Group };
        data.SequenceNrs.AddRange(acked.SequenceNrs);
        return data;
    }

    private static MessagesAcked FromData(MessagesAckedData data) => new(data.Group, data.SequenceNrs.ToList());

    private static MessagesReleasedData ToData(MessagesReleased released)
    {
        var data = new MessagesReleasedData { Group = released.Group, Uncounted = !released.Counted };
        data.SequenceNrs.AddRange(released.SequenceNrs);
        if (released.RedeliverAt is { } redeliverAt)
        {
            data.RedeliverAtUnixMicros = ToUnixMicros(redeliverAt);
        }

        return data;
    }

    private static MessagesReleased FromData(MessagesReleasedData data) => new(
        data.Group,
        data.SequenceNrs.ToList(),
        data.HasRedeliverAtUnixMicros ? FromUnixMicros(data.RedeliverAtUnixMicros) : null,
        Counted: !data.Uncounted);

    private static LeasesExtendedData ToData(LeasesExtended extended)
    {
        var data = new LeasesExtendedData
        {
            Group = extended.Group,
            LeaseExpiresAtUnixMicros = ToUnixMicros(extended.LeaseExpiresAt),
        };
        data.SequenceNrs.AddRange(extended.SequenceNrs);
        return data;
    }

    private static LeasesExtended FromData(LeasesExtendedData data) =>
        new(data.Group, data.SequenceNrs.ToList(), FromUnixMicros(data.LeaseExpiresAtUnixMicros));

    private static MessagesDeadLetteredData ToData(MessagesDeadLettered deadLettered)
    {
        var data = new MessagesDeadLetteredData();
        data.Letters.AddRange(deadLettered.Letters.Select(ToData));
        return data;
    }

    private static MessagesDeadLettered FromData(MessagesDeadLetteredData data) => new(data.Letters.Select(FromData).ToList());

    private static DeadLetterData ToData(DeadLetter letter) => new()
    {
        Group = letter.Group,
        SequenceNr = letter.SequenceNr,
        Reason = (int)letter.Reason,
        Attempts = letter.Attempts,
        DeadLetterId = letter.DeadLetterId,
    };

    private static DeadLetter FromData(DeadLetterData data) =>
        new(data.Group, data.SequenceNr, (DeadLetterReason)data.Reason, data.Attempts, data.DeadLetterId);

    private static DeadLettersForwardedData ToData(DeadLettersForwarded forwarded)
    {
        var data = new DeadLettersForwardedData();
        data.DeadLetterIds.AddRange(forwarded.DeadLetterIds);
        return data;
    }

    private static MessagesReplayingData ToData(MessagesReplaying replaying)
    {
        var data = new MessagesReplayingData();
        data.SequenceNrs.AddRange(replaying.SequenceNrs);
        return data;
    }

    private static ReplaysConfirmedData ToData(ReplaysConfirmed confirmed)
    {
        var data = new ReplaysConfirmedData();
        data.SequenceNrs.AddRange(confirmed.SequenceNrs);
        return data;
    }

    private static MessagesExpiredData ToData(MessagesExpired expired)
    {
        var data = new MessagesExpiredData { Group = expired.Group };
        data.SequenceNrs.AddRange(expired.SequenceNrs);
        return data;
    }

    private static MessagesExpired FromData(MessagesExpiredData data) => new(data.Group, data.SequenceNrs.ToList());

    private static TopicSnapshotData ToData(TopicSnapshot snapshot)
    {
        var data = new TopicSnapshotData
        {
            NextSeq = snapshot.NextSeq,
            NextDeadLetterId = snapshot.NextDeadLetterId,
        };
        // A topic never configured has no settings: the field stays absent (see topic_snapshot.proto).
        if (snapshot.Settings is { } settings)
        {
            data.Settings = ToData(settings);
        }

        data.HeldRanges.AddRange(snapshot.Held.Select(r => new SequenceRangeData { From = r.From, To = r.To }));
        data.Pinned.AddRange(snapshot.Pinned);
        data.Positions.AddRange(snapshot.Positions.Select(p => new AppendPositionData { LastSequenceNr = p.LastSequenceNr, JournalSequenceNr = p.JournalSequenceNr }));
        data.Groups.AddRange(snapshot.Groups.Select(ToData));
        data.Producers.AddRange(snapshot.Producers.Select(ToData));
        data.MessageIds.AddRange(snapshot.MessageIds.Select(id => new MessageIdSnapshotData { MessageId = id.MessageId, SequenceNr = id.SequenceNr }));
        data.Outbox.AddRange(snapshot.Outbox.Select(ToData));
        data.Replays.AddRange(snapshot.Replays);
        return data;
    }

    /// <remarks>
    /// A snapshot of the first schema lists every held message, and its topic kept all of them in
    /// memory: they come back as ranges, all pinned, so the restore reads every one back as it did.
    /// </remarks>
    private static TopicSnapshot FromData(TopicSnapshotData data) => new(
        data.Settings is null ? null : FromData(data.Settings),
        data.NextSeq,
        data.NextDeadLetterId,
        data.HeldRanges.Count > 0 || data.Held.Count == 0
            ? [.. data.HeldRanges.Select(r => new SequenceRange(r.From, r.To))]
            : [.. SequenceRanges.Of(data.Held.Select(seq => new SequenceRange(seq, seq))).Ranges],
        data.HeldRanges.Count > 0 || data.Held.Count == 0 ? [.. data.Pinned] : [.. data.Held],
        data.Groups.Select(FromData).ToList(),
        data.Producers.Select(FromData).ToList(),
        data.MessageIds.Select(id => new MessageIdSnapshot(id.MessageId, id.SequenceNr)).ToList(),
        data.Outbox.Select(FromData).ToList(),
        data.Replays.ToList())
    {
        Positions = [.. data.Positions.Select(p => new AppendPosition(p.LastSequenceNr, p.JournalSequenceNr))],
    };

    private static GroupSnapshotData ToData(GroupSnapshot group)
    {
        var data = new GroupSnapshotData
        {
            Name = group.Name,
            FirstSeq = group.FirstSeq,
            NextSeq = group.NextSeq,
            DeadLettered = group.DeadLettered,
        };
        data.Ahead.AddRange(group.Ahead);
        data.Leases.AddRange(group.Leases.Select(lease => new LeaseSnapshotData
        {
            SequenceNr = lease.SequenceNr,
            ConsumerId = lease.ConsumerId,
            ExpiresAtUnixMicros = ToUnixMicros(lease.ExpiresAt),
        }));
        data.Ready.AddRange(group.Ready);
        data.Waiting.AddRange(group.Waiting.Select(wait => new WaitSnapshotData { SequenceNr = wait.SequenceNr, DueUnixMicros = ToUnixMicros(wait.Due) }));
        data.Attempts.AddRange(group.Attempts.Select(attempts => new AttemptsSnapshotData { SequenceNr = attempts.SequenceNr, Attempts = attempts.Attempts, Forgiven = attempts.Forgiven }));
        return data;
    }

    private static GroupSnapshot FromData(GroupSnapshotData data) => new(
        data.Name,
        data.FirstSeq,
        data.NextSeq,
        data.Ahead.ToList(),
        data.Leases.Select(lease => new LeaseSnapshot(lease.SequenceNr, lease.ConsumerId, FromUnixMicros(lease.ExpiresAtUnixMicros))).ToList(),
        data.Ready.ToList(),
        data.Waiting.Select(wait => new WaitSnapshot(wait.SequenceNr, FromUnixMicros(wait.DueUnixMicros))).ToList(),
        data.Attempts.Select(attempts => new AttemptsSnapshot(attempts.SequenceNr, attempts.Attempts, attempts.Forgiven)).ToList(),
        data.DeadLettered);

    private static ProducerSnapshotData ToData(ProducerSnapshot producer)
    {
        var data = new ProducerSnapshotData { ProducerId = producer.ProducerId };
        data.Entries.AddRange(producer.Entries.Select(entry => new ProducerEntrySnapshotData { ProducerSeq = entry.ProducerSeq, SequenceNr = entry.SequenceNr }));
        return data;
    }

    private static ProducerSnapshot FromData(ProducerSnapshotData data) =>
        new(data.ProducerId, data.Entries.Select(entry => new ProducerEntrySnapshot(entry.ProducerSeq, entry.SequenceNr)).ToList());

    // Truncates toward zero: ticks finer than a microsecond are not carried.
    private static long ToMicros(TimeSpan span) => span.Ticks / TimeSpan.TicksPerMicrosecond;

    private static TimeSpan FromMicros(long micros) => TimeSpan.FromMicroseconds(micros);

    private static long ToUnixMicros(DateTimeOffset time) => ToMicros(time - DateTimeOffset.UnixEpoch);

    // The offset is not carried: the instant comes back in UTC.
    private static DateTimeOffset FromUnixMicros(long micros) => DateTimeOffset.UnixEpoch + FromMicros(micros);
}
