using Akka.TestKit.Xunit2;
using ClusterQueue.Protocol.Membership;
using ClusterQueue.Protocol.Serialization;

namespace ClusterQueue.Protocol.Tests;

public sealed class ClusterQueueSerializerSpec() : TestKit(ClusterQueueSerializer.Configuration)
{
    /// <summary>One sample per message type, the edge cases of each included.</summary>
    public static TheoryData<IClusterQueueMessage> Messages { get; } =
    [
        GetClusterMembers.Instance,
        new ClusterMembers(
            "akka.tcp://ClusterQueue@127.0.0.1:4053",
            "akka.tcp://ClusterQueue@127.0.0.1:4053",
            [
                new ClusterMember("akka.tcp://ClusterQueue@127.0.0.1:4053", ["broker"], "Up", "1.0.0", Reachable: true),
                new ClusterMember("akka.tcp://ClusterQueue@127.0.0.1:4054", ["broker", "client"], "Leaving", "1.0.1", Reachable: false),
            ]),
        new ClusterMembers("akka.tcp://ClusterQueue@127.0.0.1:4055", Leader: null, Members: []),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_survives_a_round_trip_through_the_serializer_Akka_binds_it_to(IClusterQueueMessage message)
    {
        var serialization = Sys.Serialization;
        var serializer = serialization.FindSerializerFor(message);

        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var back = serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType<ClusterQueueSerializer>(serializer);
        Assert.Equal(ClusterQueueSerializer.SerializerId, serializer.Identifier);
        Assert.Equal(message, back);
    }

    [Fact]
    public void Every_message_type_has_a_round_trip_sample()
    {
        var sampled = ((IEnumerable<object[]>)Messages).Select(row => row[0].GetType()).ToHashSet();
        var messageTypes = typeof(IClusterQueueMessage).Assembly.GetTypes()
            .Where(t => typeof(IClusterQueueMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false });

        Assert.All(messageTypes, t => Assert.Contains(t, sampled));
    }

    [Fact]
    public void An_unknown_manifest_is_an_error_naming_it()
    {
        var serializer = (ClusterQueueSerializer)Sys.Serialization.FindSerializerForType(typeof(ClusterMembers));

        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([], "ZZ"));

        Assert.Contains("'ZZ'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_of_a_newer_version_with_an_unknown_field_still_reads()
    {
        var serializer = (ClusterQueueSerializer)Sys.Serialization.FindSerializerForType(typeof(ClusterMembers));
        var current = serializer.ToBinary(new ClusterMembers("self", null, []));
        // Field 15, varint 1: what a later version adding a field would send.
        byte[] newer = [.. current, 15 << 3, 1];

        var back = serializer.FromBinary(newer, serializer.Manifest(new ClusterMembers("self", null, [])));

        Assert.Equal(new ClusterMembers("self", null, []), back);
    }
}
