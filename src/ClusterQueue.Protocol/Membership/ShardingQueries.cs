namespace ClusterQueue.Protocol.Membership;

/// <summary>Asks the answering node which shard regions (entity type names) it runs.</summary>
public sealed class GetShardRegions : IClusterQueueMessage
{
    public static readonly GetShardRegions Instance = new();

    private GetShardRegions()
    {
    }
}

/// <summary>The shard regions of the answering node, by type name, sorted.</summary>
public sealed record ShardRegions(string Node, IReadOnlyList<string> TypeNames) : IClusterQueueMessage
{
    public bool Equals(ShardRegions? other) => other is not null && Node == other.Node && TypeNames.SequenceEqual(other.TypeNames);

    public override int GetHashCode() => HashCode.Combine(Node, TypeNames.Count);
}

/// <summary>Asks for the shards and entities of one region on every member that hosts it.</summary>
public sealed record GetRegionStats(string TypeName) : IClusterQueueMessage;

/// <summary>Shards and entities of a region per member, in address order.</summary>
public sealed record RegionStats(string TypeName, IReadOnlyList<RegionMemberStats> Members) : IClusterQueueMessage
{
    public bool Equals(RegionStats? other) => other is not null && TypeName == other.TypeName && Members.SequenceEqual(other.Members);

    public override int GetHashCode() => HashCode.Combine(TypeName, Members.Count);
}

/// <summary>One member's part of a region: how many shards it hosts, and how many entities run in them.</summary>
public sealed record RegionMemberStats(string Address, int Shards, int Entities);

/// <summary>The answering node has no shard region of that name.</summary>
public sealed record UnknownRegion(string TypeName, IReadOnlyList<string> Known) : IClusterQueueMessage
{
    public bool Equals(UnknownRegion? other) => other is not null && TypeName == other.TypeName && Known.SequenceEqual(other.Known);

    public override int GetHashCode() => HashCode.Combine(TypeName, Known.Count);
}
