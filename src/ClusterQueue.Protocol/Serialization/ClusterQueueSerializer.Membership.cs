using ClusterQueue.Protocol.Membership;
using ClusterQueue.Protocol.Serialization.Proto;

namespace ClusterQueue.Protocol.Serialization;

/// <summary>Cluster commands and sharding queries (cq's cluster palette).</summary>
public sealed partial class ClusterQueueSerializer
{
    private static ClusterCommandDoneData ToData(ClusterCommandDone done)
    {
        var data = new ClusterCommandDoneData { Command = done.Command, Node = done.Node };
        data.Addresses.AddRange(done.Addresses);
        return data;
    }

    private static ClusterCommandDone FromData(ClusterCommandDoneData data) => new(data.Command, data.Node, data.Addresses.ToList());

    private static ClusterCommandRefused FromData(ClusterCommandRefusedData data) => new(data.Command, data.Reason);

    private static ShardRegionsData ToData(ShardRegions regions)
    {
        var data = new ShardRegionsData { Node = regions.Node };
        data.TypeNames.AddRange(regions.TypeNames);
        return data;
    }

    private static ShardRegions FromData(ShardRegionsData data) => new(data.Node, data.TypeNames.ToList());

    private static RegionStatsData ToData(RegionStats stats)
    {
        var data = new RegionStatsData { TypeName = stats.TypeName };
        data.Members.AddRange(stats.Members.Select(m => new RegionMemberStatsData { Address = m.Address, Shards = m.Shards, Entities = m.Entities }));
        return data;
    }

    private static RegionStats FromData(RegionStatsData data) =>
        new(data.TypeName, data.Members.Select(m => new RegionMemberStats(m.Address, m.Shards, m.Entities)).ToList());

    private static UnknownRegionData ToData(UnknownRegion unknown)
    {
        var data = new UnknownRegionData { TypeName = unknown.TypeName };
        data.Known.AddRange(unknown.Known);
        return data;
    }

    private static UnknownRegion FromData(UnknownRegionData data) => new(data.TypeName, data.Known.ToList());

    private static ClusterChangeData ToData(ClusterChange change) => new()
    {
        At = (change.At - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond,
        Node = change.Node,
        Kind = (int)change.Kind,
        Address = change.Address,
    };

    private static ClusterChange FromData(ClusterChangeData data) => new(
        DateTimeOffset.UnixEpoch.AddTicks(checked(data.At * TimeSpan.TicksPerMicrosecond)),
        data.Node,
        Enum.IsDefined((ClusterChangeKind)data.Kind)
            ? (ClusterChangeKind)data.Kind
            : throw new ArgumentException($"unknown cluster change kind {data.Kind}"),
        data.Address);

    private static TopicListData ToData(TopicList list)
    {
        var data = new TopicListData();
        data.Topics.AddRange(list.Topics.Select(t => new HostedTopicData { Topic = t.Topic, Node = t.Node }));
        data.Unanswered.AddRange(list.Unanswered);
        return data;
    }

    private static TopicList FromData(TopicListData data) =>
        new(data.Topics.Select(t => new HostedTopic(t.Topic, t.Node)).ToList(), data.Unanswered.ToList());

    private static LocalTopicsData ToData(LocalTopics local)
    {
        var data = new LocalTopicsData { Node = local.Node };
        data.Topics.AddRange(local.Topics);
        return data;
    }

    private static LocalTopics FromData(LocalTopicsData data) => new(data.Node, data.Topics.ToList());
}
