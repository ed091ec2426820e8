using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using ClusterQueue.Protocol.Membership;
using ClusterQueue.Protocol.Serialization.Proto;
using ClusterQueue.Protocol.Topics;
using Google.Protobuf;

namespace ClusterQueue.Protocol.Serialization;

/// <summary>
/// Serializes every <see cref="IClusterQueueMessage"/> as protobuf, so nodes and clients of different
/// versions can talk (fields are added, never renumbered) and persisted events survive renames.
/// </summary>
public sealed partial class ClusterQueueSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Unique among the serializers of an ActorSystem; Akka's own use ids below 100.</summary>
    public const int SerializerId = 451;

    // Manifests are short and stable: they are written beside every persisted event.
    private const string GetClusterMembersManifest = "GCM";
    private const string ClusterMembersManifest = "CM";
    private const string LeaveMemberManifest = "LVM";
    private const string DownMemberManifest = "DNM";
    private const string DownUnreachableManifest = "DNU";
    private const string JoinClusterManifest = "JNC";
    private const string ClusterCommandDoneManifest = "CCD";
    private const string ClusterCommandRefusedManifest = "CCR";
    private const string GetShardRegionsManifest = "GSR";
    private const string ShardRegionsManifest = "SR";
    private const string GetRegionStatsManifest = "GRS";
    private const string RegionStatsManifest = "RS";
    private const string UnknownRegionManifest = "UR";
    private const string WatchClusterManifest = "WC";
    private const string StopWatchingClusterManifest = "SWC";
    private const string ClusterWatchedManifest = "CWD";
    private const string ClusterChangeManifest = "CC";
    private const string GetTopicsManifest = "GT";
    private const string TopicListManifest = "TL";
    private const string GetLocalTopicsManifest = "GLT";
    private const string LocalTopicsManifest = "LT";
    private const string PublishManifest = "PUB";
    private const string SubscribeManifest = "SUB";
    private const string AddCreditManifest = "CRD";
    private const string HeartbeatManifest = "HB";
    private const string AckManifest = "ACK";
    private const string NackManifest = "NACK";
    private const string ExtendLeaseManifest = "EXL";
    private const string UnsubscribeManifest = "USUB";
    private const string ConfigureTopicManifest = "CFG";
    private const string DeleteTopicManifest = "DT";
    private const string DeleteGroupManifest = "DG";
    private const string GetTopicStatsManifest = "GTS";
    private const string PeekManifest = "PK";
    private const string PurgeManifest = "PRG";
    private const string TopicErrorManifest = "TE";
    private const string PublishResultManifest = "PUBR";
    private const string SubscribedManifest = "SUBD";
    private const string HeartbeatAckManifest = "HBA";
    private const string AckResultManifest = "ACKR";
    private const string UnsubscribedManifest = "USBD";
    private const string TopicConfiguredManifest = "CFGD";
    private const string TopicDeletedManifest = "DTD";
    private const string GroupDeletedManifest = "DGD";
    private const string PurgedManifest = "PRGD";
    private const string PeekResultManifest = "PKR";
    private const string DeliveryManifest = "DLV";
    private const string TopicStatsManifest = "TS";
    private const string ReplayDeadLettersManifest = "RDL";
    private const string DeadLettersReplayedManifest = "RDLD";

    /// <summary>Binds every ClusterQueue message to this serializer; nodes and clients both load it.</summary>
    public static Config Configuration { get; } = ConfigurationFactory.ParseString(
        $$"""
        akka.actor {
          serializers.clusterqueue = "{{typeof(ClusterQueueSerializer).AssemblyQualifiedName}}"
          serialization-bindings {
            "{{typeof(IClusterQueueMessage).AssemblyQualifiedName}}" = clusterqueue
          }
        }
        """);

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        GetClusterMembers => GetClusterMembersManifest,
        ClusterMembers => ClusterMembersManifest,
        LeaveMember => LeaveMemberManifest,
        DownMember => DownMemberManifest,
        DownUnreachable => DownUnreachableManifest,
        JoinCluster => JoinClusterManifest,
        ClusterCommandDone => ClusterCommandDoneManifest,
        ClusterCommandRefused => ClusterCommandRefusedManifest,
        GetShardRegions => GetShardRegionsManifest,
        ShardRegions => ShardRegionsManifest,
        GetRegionStats => GetRegionStatsManifest,
        RegionStats => RegionStatsManifest,
        UnknownRegion => UnknownRegionManifest,
        WatchCluster => WatchClusterManifest,
        StopWatchingCluster => StopWatchingClusterManifest,
        ClusterWatched => ClusterWatchedManifest,
        ClusterChange => ClusterChangeManifest,
        GetTopics => GetTopicsManifest,
        TopicList => TopicListManifest,
        GetLocalTopics => GetLocalTopicsManifest,
        LocalTopics => LocalTopicsManifest,
        Publish => PublishManifest,
        Subscribe => SubscribeManifest,
        AddCredit => AddCreditManifest,
        Heartbeat => HeartbeatManifest,
        Ack => AckManifest,
        Nack => NackManifest,
        ExtendLease => ExtendLeaseManifest,
        Unsubscribe => UnsubscribeManifest,
        ConfigureTopic => ConfigureTopicManifest,
        DeleteTopic => DeleteTopicManifest,
        DeleteGroup => DeleteGroupManifest,
        GetTopicStats => GetTopicStatsManifest,
        Peek => PeekManifest,
        Purge => PurgeManifest,
        TopicError => TopicErrorManifest,
        PublishResult => PublishResultManifest,
        Subscribed => SubscribedManifest,
        HeartbeatAck => HeartbeatAckManifest,
        AckResult => AckResultManifest,
        Unsubscribed => UnsubscribedManifest,
        TopicConfigured => TopicConfiguredManifest,
        TopicDeleted => TopicDeletedManifest,
        GroupDeleted => GroupDeletedManifest,
        Purged => PurgedManifest,
        PeekResult => PeekResultManifest,
        Delivery => DeliveryManifest,
        TopicStats => TopicStatsManifest,
        ReplayDeadLetters => ReplayDeadLettersManifest,
        DeadLettersReplayed => DeadLettersReplayedManifest,
        _ => throw new ArgumentException($"{nameof(ClusterQueueSerializer)} cannot serialize {o.GetType()}", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        GetClusterMembers => [],
        ClusterMembers members => ToData(members).ToByteArray(),
        LeaveMember leave => new MemberAddressData { Address = leave.Address }.ToByteArray(),
        DownMember down => new MemberAddressData { Address = down.Address }.ToByteArray(),
        DownUnreachable => [],
        JoinCluster join => new MemberAddressData { Address = join.Address }.ToByteArray(),
        ClusterCommandDone done => ToData(done).ToByteArray(),
        ClusterCommandRefused refused => new ClusterCommandRefusedData { Command = refused.Command, Reason = refused.Reason }.ToByteArray(),
        GetShardRegions => [],
        ShardRegions regions => ToData(regions).ToByteArray(),
        GetRegionStats get => new GetRegionStatsData { TypeName = get.TypeName }.ToByteArray(),
        RegionStats stats => ToData(stats).ToByteArray(),
        UnknownRegion unknown => ToData(unknown).ToByteArray(),
        WatchCluster => [],
        StopWatchingCluster => [],
        ClusterWatched => [],
        ClusterChange change => ToData(change).ToByteArray(),
        GetTopics => [],
        TopicList list => ToData(list).ToByteArray(),
        GetLocalTopics => [],
        LocalTopics local => ToData(local).ToByteArray(),
        Publish publish => ToData(publish).ToByteArray(),
        Subscribe subscribe => ToData(subscribe).ToByteArray(),
        AddCredit addCredit => ToData(addCredit).ToByteArray(),
        Heartbeat heartbeat => ToData(heartbeat).ToByteArray(),
        Ack ack => ToData(ack).ToByteArray(),
        Nack nack => ToData(nack).ToByteArray(),
        ExtendLease extendLease => ToData(extendLease).ToByteArray(),
        Unsubscribe unsubscribe => ToData(unsubscribe).ToByteArray(),
        ConfigureTopic configureTopic => ToData(configureTopic).ToByteArray(),
        DeleteTopic deleteTopic => ToData(deleteTopic).ToByteArray(),
        DeleteGroup deleteGroup => ToData(deleteGroup).ToByteArray(),
        GetTopicStats getTopicStats => ToData(getTopicStats).ToByteArray(),
        Peek peek => ToData(peek).ToByteArray(),
        Purge purge => ToData(purge).ToByteArray(),
        TopicError error => ToData(error).ToByteArray(),
        PublishResult publishResult => ToData(publishResult).ToByteArray(),
        Subscribed subscribed => ToData(subscribed).ToByteArray(),
        HeartbeatAck heartbeatAck => ToData(heartbeatAck).ToByteArray(),
        AckResult ackResult => ToData(ackResult).ToByteArray(),
        Unsubscribed unsubscribed => ToData(unsubscribed).ToByteArray(),
        TopicConfigured topicConfigured => ToData(topicConfigured).ToByteArray(),
        TopicDeleted topicDeleted => ToData(topicDeleted).ToByteArray(),
        GroupDeleted groupDeleted => ToData(groupDeleted).ToByteArray(),
        Purged purged => ToData(purged).ToByteArray(),
        PeekResult peekResult => ToData(peekResult).ToByteArray(),
        Delivery delivery => ToData(delivery).ToByteArray(),
        TopicStats topicStats => ToData(topicStats).ToByteArray(),
        ReplayDeadLetters replay => ToData(replay).ToByteArray(),
        DeadLettersReplayed replayed => ToData(replayed).ToByteArray(),
        _ => throw new ArgumentException($"{nameof(ClusterQueueSerializer)} cannot serialize {obj.GetType()}", nameof(obj)),
    };

    /// <summary>Reads a message; bytes that do not make one are a <see cref="SerializationException"/> naming the manifest.</summary>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            return Read(bytes, manifest);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or NullReferenceException or ArgumentException or OverflowException)
        {
            throw new SerializationException($"{nameof(ClusterQueueSerializer)} cannot read a '{manifest}' message: {e.Message}", e);
        }
    }

    private object Read(byte[] bytes, string manifest) => manifest switch
    {
        GetClusterMembersManifest => GetClusterMembers.Instance,
        ClusterMembersManifest => FromData(ClusterMembersData.Parser.ParseFrom(bytes)),
        LeaveMemberManifest => new LeaveMember(MemberAddressData.Parser.ParseFrom(bytes).Address),
        DownMemberManifest => new DownMember(MemberAddressData.Parser.ParseFrom(bytes).Address),
        DownUnreachableManifest => DownUnreachable.Instance,
        JoinClusterManifest => new JoinCluster(MemberAddressData.Parser.ParseFrom(bytes).Address),
        ClusterCommandDoneManifest => FromData(ClusterCommandDoneData.Parser.ParseFrom(bytes)),
        ClusterCommandRefusedManifest => FromData(ClusterCommandRefusedData.Parser.ParseFrom(bytes)),
        GetShardRegionsManifest => GetShardRegions.Instance,
        ShardRegionsManifest => FromData(ShardRegionsData.Parser.ParseFrom(bytes)),
        GetRegionStatsManifest => new GetRegionStats(GetRegionStatsData.Parser.ParseFrom(bytes).TypeName),
        RegionStatsManifest => FromData(RegionStatsData.Parser.ParseFrom(bytes)),
        UnknownRegionManifest => FromData(UnknownRegionData.Parser.ParseFrom(bytes)),
        WatchClusterManifest => WatchCluster.Instance,
        StopWatchingClusterManifest => StopWatchingCluster.Instance,
        ClusterWatchedManifest => ClusterWatched.Instance,
        ClusterChangeManifest => FromData(ClusterChangeData.Parser.ParseFrom(bytes)),
        GetTopicsManifest => GetTopics.Instance,
        TopicListManifest => FromData(TopicListData.Parser.ParseFrom(bytes)),
        GetLocalTopicsManifest => GetLocalTopics.Instance,
        LocalTopicsManifest => FromData(LocalTopicsData.Parser.ParseFrom(bytes)),
        PublishManifest => FromData(PublishData.Parser.ParseFrom(bytes)),
        SubscribeManifest => FromData(SubscribeData.Parser.ParseFrom(bytes)),
        AddCreditManifest => FromData(AddCreditData.Parser.ParseFrom(bytes)),
        HeartbeatManifest => FromData(HeartbeatData.Parser.ParseFrom(bytes)),
        AckManifest => FromData(AckData.Parser.ParseFrom(bytes)),
        NackManifest => FromData(NackData.Parser.ParseFrom(bytes)),
        ExtendLeaseManifest => FromData(ExtendLeaseData.Parser.ParseFrom(bytes)),
        UnsubscribeManifest => FromData(UnsubscribeData.Parser.ParseFrom(bytes)),
        ConfigureTopicManifest => FromData(ConfigureTopicData.Parser.ParseFrom(bytes)),
        DeleteTopicManifest => FromData(DeleteTopicData.Parser.ParseFrom(bytes)),
        DeleteGroupManifest => FromData(DeleteGroupData.Parser.ParseFrom(bytes)),
        GetTopicStatsManifest => FromData(GetTopicStatsData.Parser.ParseFrom(bytes)),
        PeekManifest => FromData(PeekData.Parser.ParseFrom(bytes)),
        PurgeManifest => FromData(PurgeData.Parser.ParseFrom(bytes)),
        TopicErrorManifest => FromData(TopicErrorData.Parser.ParseFrom(bytes)),
        PublishResultManifest => FromData(PublishResultData.Parser.ParseFrom(bytes)),
        SubscribedManifest => FromData(SubscribedData.Parser.ParseFrom(bytes)),
        HeartbeatAckManifest => FromData(HeartbeatAckData.Parser.ParseFrom(bytes)),
        AckResultManifest => FromData(AckResultData.Parser.ParseFrom(bytes)),
        UnsubscribedManifest => FromData(UnsubscribedData.Parser.ParseFrom(bytes)),
        TopicConfiguredManifest => FromData(TopicConfiguredData.Parser.ParseFrom(bytes)),
        TopicDeletedManifest => FromData(TopicDeletedData.Parser.ParseFrom(bytes)),
        GroupDeletedManifest => FromData(GroupDeletedData.Parser.ParseFrom(bytes)),
        PurgedManifest => FromData(PurgedData.Parser.ParseFrom(bytes)),
        PeekResultManifest => FromData(PeekResultData.Parser.ParseFrom(bytes)),
        DeliveryManifest => FromData(DeliveryData.Parser.ParseFrom(bytes)),
        TopicStatsManifest => FromData(TopicStatsData.Parser.ParseFrom(bytes)),
        ReplayDeadLettersManifest => FromData(ReplayDeadLettersData.Parser.ParseFrom(bytes)),
        DeadLettersReplayedManifest => FromData(DeadLettersReplayedData.Parser.ParseFrom(bytes)),
        _ => throw new SerializationException($"{nameof(ClusterQueueSerializer)} knows no manifest '{manifest}'"),
    };

    private static ClusterMembersData ToData(ClusterMembers members)
    {
        var data = new ClusterMembersData { Self = members.Self };
        if (members.Leader is not null)
        {
            data.Leader = members.Leader;
        }

        data.Members.AddRange(members.Members.Select(m =>
        {
            var member = new ClusterMemberData
            {
                Address = m.Address,
                Status = m.Status,
                Version = m.Version,
                Reachable = m.Reachable,
            };
            member.Roles.AddRange(m.Roles);
            return member;
        }));
        return data;
    }

    private static ClusterMembers FromData(ClusterMembersData data) => new(
        data.Self,
        data.HasLeader ? data.Leader : null,
        data.Members.Select(m => new ClusterMember(m.Address, m.Roles.ToList(), m.Status, m.Version, m.Reachable)).ToList());
}
