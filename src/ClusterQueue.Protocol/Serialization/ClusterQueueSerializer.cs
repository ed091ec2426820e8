using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using ClusterQueue.Protocol.Membership;
using ClusterQueue.Protocol.Serialization.Proto;
using Google.Protobuf;

namespace ClusterQueue.Protocol.Serialization;

/// <summary>
/// Serializes every <see cref="IClusterQueueMessage"/> as protobuf, so nodes and clients of different
/// versions can talk (fields are added, never renumbered) and persisted events survive renames.
/// </summary>
public sealed class ClusterQueueSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Unique among the serializers of an ActorSystem; Akka's own use ids below 100.</summary>
    public const int SerializerId = 451;

    // Manifests are short and stable: they are written beside every persisted event.
    private const string GetClusterMembersManifest = "GCM";
    private const string ClusterMembersManifest = "CM";

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
        _ => throw new ArgumentException($"{nameof(ClusterQueueSerializer)} cannot serialize {o.GetType()}", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        GetClusterMembers => [],
        ClusterMembers members => ToData(members).ToByteArray(),
        _ => throw new ArgumentException($"{nameof(ClusterQueueSerializer)} cannot serialize {obj.GetType()}", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        GetClusterMembersManifest => GetClusterMembers.Instance,
        ClusterMembersManifest => FromData(ClusterMembersData.Parser.ParseFrom(bytes)),
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
