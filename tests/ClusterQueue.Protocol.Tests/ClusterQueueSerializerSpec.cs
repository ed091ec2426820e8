using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.TestKit.Xunit2;
using ClusterQueue.Protocol.Membership;
using ClusterQueue.Protocol.Serialization;
using ClusterQueue.Protocol.Topics;
using Google.Protobuf;

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
        new LeaveMember("akka.tcp://ClusterQueue@127.0.0.1:4054"),
        new DownMember("127.0.0.1:4055"),
        DownUnreachable.Instance,
        new JoinCluster("akka.tcp://ClusterQueue@10.0.0.7:4053"),
        new ClusterCommandDone("down-unreachable", "akka.tcp://ClusterQueue@127.0.0.1:4053", ["akka.tcp://ClusterQueue@127.0.0.1:4054", "akka.tcp://ClusterQueue@127.0.0.1:4055"]),
        new ClusterCommandDone("down-unreachable", "akka.tcp://ClusterQueue@127.0.0.1:4053", []),
        new ClusterCommandRefused("leave", "akka.tcp://ClusterQueue@127.0.0.1:4099 is not a member"),
        GetShardRegions.Instance,
        new ShardRegions("akka.tcp://ClusterQueue@127.0.0.1:4053", ["topic"]),
        new ShardRegions("akka.tcp://ClusterQueue@127.0.0.1:4053", []),
        new GetRegionStats("topic"),
        new RegionStats("topic", [new RegionMemberStats("akka.tcp://ClusterQueue@127.0.0.1:4053", 12, 40), new RegionMemberStats("akka.tcp://ClusterQueue@127.0.0.1:4054", 0, 0)]),
        new RegionStats("topic", []),
        new UnknownRegion("queue", ["topic"]),
        WatchCluster.Instance,
        GetTopics.Instance,
        new TopicList([new HostedTopic("orders", "akka.tcp://ClusterQueue@127.0.0.1:4053"), new HostedTopic("orders.dlq", "akka.tcp://ClusterQueue@127.0.0.1:4054")], ["akka.tcp://ClusterQueue@127.0.0.1:4055"]),
        new TopicList([], []),
        GetLocalTopics.Instance,
        new LocalTopics("akka.tcp://ClusterQueue@127.0.0.1:4053", ["audit", "orders"]),
        new LocalTopics("akka.tcp://ClusterQueue@127.0.0.1:4053", []),
        StopWatchingCluster.Instance,
        ClusterWatched.Instance,
        new ClusterChange(new DateTimeOffset(2026, 11, 27, 3, 4, 5, TimeSpan.Zero).AddMicroseconds(7), "akka.tcp://ClusterQueue@127.0.0.1:4053", ClusterChangeKind.Unreachable, "akka.tcp://ClusterQueue@127.0.0.1:4054"),
        new ClusterChange(DateTimeOffset.UnixEpoch, "akka.tcp://ClusterQueue@127.0.0.1:4053", ClusterChangeKind.LeaderChanged, ""),
        new Publish(
            "orders",
            "producer-1",
            [
                new OutgoingMessage(
                    1,
                    [1, 2, 3],
                    new Dictionary<string, string> { ["content-type"] = "text/plain; charset=utf-8", ["émetteur"] = "Zoë 🚀 東京" },
                    "order-17",
                    TimeSpan.FromMicroseconds(86_400_000_001),
                    TimeSpan.FromMicroseconds(1)),
                new OutgoingMessage(2, [], new Dictionary<string, string>()),
                new OutgoingMessage(long.MaxValue, Bytes(60 * 1024), Ttl: TimeSpan.Zero),
            ]),
        new Publish("orders", "producer-2", []),
        new Publish("orders", "orders.dlq#replay", [new OutgoingMessage(7, [1, 2, 3])], ForGroup: "billing"),
        new ReplayDeadLetters("orders.dlq", 0),
        new ReplayDeadLetters("orders.dlq", 25),
        new DeadLettersReplayed("orders.dlq", 25),
        new Subscribe("orders", "billing", "consumer-1", StartPosition.Earliest, 100),
        new Subscribe("orders", "billing", "consumer-2", (StartPosition)7, 1),
        new AddCredit("orders", "billing", "consumer-1", -5),
        new Heartbeat("orders", "billing", "consumer-1"),
        new Ack("orders", "billing", [3, 1, 2], UpTo: long.MaxValue),
        new Ack("orders", "billing", []),
        new Nack("orders", "billing", [7], TimeSpan.FromMicroseconds(2_500_001)),
        new Nack("orders", "billing", [8, 9], RedeliverAfter: null),
        new Nack("orders", "billing", [], TimeSpan.FromMicroseconds(-1)),
        new ExtendLease("orders", "billing", "consumer-1", [4, 5], TimeSpan.FromMicroseconds(30_000_007)),
        new Unsubscribe("orders", "billing", "consumer-1"),
        new ConfigureTopic("orders", TopicSettings.Default),
        new ConfigureTopic("orders", EveryPropertySet),
        new DeleteTopic("orders"),
        new DeleteGroup("orders", "billing"),
        new GetTopicStats("orders"),
        new Peek("orders", 10),
        new Purge("orders.dlq"),
        .. Enum.GetValues<ErrorCode>().Select(code => new TopicError("orders", code, $"refused: {code}")),
        new TopicError("orders", (ErrorCode)99, "a code from a newer version"),
        new PublishResult(
            "orders",
            "producer-1",
            [
                PublishOutcome.Stored(1, 101),
                PublishOutcome.Repeated(2, 102),
                PublishOutcome.Rejected(3, ErrorCode.PayloadTooLarge, "payload is 70000 bytes; at most 65536 are allowed"),
            ]),
        new PublishResult("orders", "producer-2", []),
        new Subscribed("orders", "billing", "consumer-1"),
        new HeartbeatAck("orders", "billing", "consumer-1"),
        new AckResult("orders", "billing", 2, [5, 6]),
        new AckResult("orders", "billing", 0, []),
        new Unsubscribed("orders", "billing", "consumer-1"),
        new TopicConfigured("orders", EveryPropertySet),
        new TopicConfigured(
            "orders",
            TopicSettings.Default with { Overflow = (OverflowPolicy)9, Expiry = (ExpiryPolicy)9, Durability = (Durability)9 }),
        new TopicDeleted("orders"),
        new GroupDeleted("orders", "billing"),
        new Purged("orders", long.MaxValue),
        new PeekResult(
            "orders",
            [
                new TopicMessage(
                    1,
                    Bytes(60 * 1024),
                    new Dictionary<string, string> { ["émetteur"] = "Zoë 🚀 東京" },
                    "order-17",
                    new DateTimeOffset(2025, 3, 14, 15, 9, 26, 535, 897, TimeSpan.Zero)),
                new TopicMessage(2, [], new Dictionary<string, string>(), null, DateTimeOffset.UnixEpoch),
            ]),
        new PeekResult("orders", []),
        new Delivery(
            "orders",
            "billing",
            "consumer-1",
            [
                new DeliveredMessage(
                    new TopicMessage(
                        1,
                        [42],
                        new Dictionary<string, string> { ["k"] = "v" },
                        null,
                        new DateTimeOffset(2025, 3, 14, 15, 9, 26, 535, 897, TimeSpan.Zero)),
                    1,
                    new DateTimeOffset(2025, 3, 14, 15, 9, 56, 535, 898, TimeSpan.Zero)),
                new DeliveredMessage(
                    new TopicMessage(2, [], new Dictionary<string, string>(), "order-18", DateTimeOffset.UnixEpoch.AddMicroseconds(-1)),
                    int.MaxValue,
                    DateTimeOffset.UnixEpoch),
            ]),
        new Delivery("orders", "billing", "consumer-1", []),
        new TopicStats(
            "orders",
            EveryPropertySet,
            Pending: 12,
            InFlight: 3,
            LastSequenceNr: 1_000,
            [new GroupStats("billing", 9, 3, 2, 1), new GroupStats("audit", 0, 0, 0, 0)],
            Consumers: 2,
            PublishRate: 1234.5,
            DeliverRate: 0.1,
            Forwarding: 4),
        new TopicStats("orders", TopicSettings.Default, 0, 0, 0, [], 0),
    ];

    /// <summary>Records holding byte arrays, dictionaries or lists without an Equals of their own compare by reference.</summary>
    private static readonly HashSet<Type> ComparedByShape =
        [typeof(Publish), typeof(Ack), typeof(Nack), typeof(ExtendLease), typeof(PeekResult), typeof(Delivery)];

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
        Assert.IsType(message.GetType(), back);
        if (ComparedByShape.Contains(message.GetType()))
        {
            AssertSameShape(message, back);
        }
        else
        {
            Assert.Equal(message, back);
        }
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
    public void Every_message_type_has_a_manifest_of_its_own()
    {
        var serializer = (ClusterQueueSerializer)Sys.Serialization.FindSerializerForType(typeof(ClusterMembers));
        var manifestsByType = ((IEnumerable<object[]>)Messages)
            .Select(row => row[0])
            .DistinctBy(message => message.GetType())
            .ToDictionary(message => message.GetType(), serializer.Manifest);

        Assert.Equal(manifestsByType.Count, manifestsByType.Values.Distinct(StringComparer.Ordinal).Count());
        Assert.All(manifestsByType.Values, manifest => Assert.InRange(manifest.Length, 2, 4));
    }

    [Fact]
    public void Times_keep_their_instant_to_the_microsecond_and_come_back_in_UTC()
    {
        var serializer = (ClusterQueueSerializer)Sys.Serialization.FindSerializerForType(typeof(Delivery));
        var publishedAt = new DateTimeOffset(2025, 3, 14, 17, 9, 26, 535, 897, TimeSpan.FromHours(2)).AddTicks(9);
        var leaseExpiresAt = publishedAt.AddSeconds(30);
        var sent = new Delivery(
            "orders",
            "billing",
            "consumer-1",
            [new DeliveredMessage(new TopicMessage(1, [], new Dictionary<string, string>(), null, publishedAt), 1, leaseExpiresAt)]);
        var nack = new Nack("orders", "billing", [1], TimeSpan.FromTicks(19));

        var delivered = Assert.Single(((Delivery)serializer.FromBinary(serializer.ToBinary(sent), serializer.Manifest(sent))).Messages);
        var nackBack = (Nack)serializer.FromBinary(serializer.ToBinary(nack), serializer.Manifest(nack));

        Assert.Equal(new DateTimeOffset(2025, 3, 14, 15, 9, 26, 535, 897, TimeSpan.Zero), delivered.Message.PublishedAt);
        Assert.Equal(TimeSpan.Zero, delivered.Message.PublishedAt.Offset);
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 15, 9, 56, 535, 897, TimeSpan.Zero), delivered.LeaseExpiresAt);
        Assert.Equal(TimeSpan.Zero, delivered.LeaseExpiresAt.Offset);
        Assert.Equal(TimeSpan.FromMicroseconds(1), nackBack.RedeliverAfter);
    }

    [Fact]
    public void An_unknown_manifest_is_an_error_naming_it()
    {
        var serializer = (ClusterQueueSerializer)Sys.Serialization.FindSerializerForType(typeof(ClusterMembers));

        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([], "ZZ"));

        Assert.Contains("'ZZ'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_make_no_message_are_an_error_naming_the_manifest()
    {
        var serializer = (ClusterQueueSerializer)Sys.Serialization.FindSerializerForType(typeof(ClusterMembers));

        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([0xFF, 0xFF, 0xFF], "CM"));

        Assert.StartsWith("ClusterQueueSerializer cannot read a 'CM' message", error.Message, StringComparison.Ordinal);
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

    [Fact]
    public void Headers_are_written_as_a_protobuf_map_was_and_a_map_of_an_earlier_version_reads_with_its_last_entry_of_a_name_winning()
    {
        var serializer = (ClusterQueueSerializer)Sys.Serialization.FindSerializerForType(typeof(Publish));
        var publish = new Publish("orders", "p", [new OutgoingMessage(1, [1, 2], new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" })]);
        var manifest = serializer.Manifest(publish);

        byte[] MapEncoded(params (string Name, string Value)[] headers) =>
            Encode(o =>
            {
                o.WriteTag(1, WireFormat.WireType.LengthDelimited);
                o.WriteString("orders");
                o.WriteTag(2, WireFormat.WireType.LengthDelimited);
                o.WriteString("p");
                o.WriteTag(3, WireFormat.WireType.LengthDelimited);
                o.WriteBytes(ByteString.CopyFrom(Encode(m =>
                {
                    m.WriteTag(1, WireFormat.WireType.Varint);
                    m.WriteInt64(1);
                    m.WriteTag(2, WireFormat.WireType.LengthDelimited);
                    m.WriteBytes(ByteString.CopyFrom(1, 2));
                    m.WriteTag(3, WireFormat.WireType.Varint);
                    m.WriteBool(true);
                    foreach (var (name, value) in headers)
                    {
                        m.WriteTag(4, WireFormat.WireType.LengthDelimited);
                        m.WriteBytes(ByteString.CopyFrom(Encode(e =>
                        {
                            e.WriteTag(1, WireFormat.WireType.LengthDelimited);
                            e.WriteString(name);
                            e.WriteTag(2, WireFormat.WireType.LengthDelimited);
                            e.WriteString(value);
                        })));
                    }
                })));
            });

        Assert.Equal(MapEncoded(("a", "1"), ("b", "2")), serializer.ToBinary(publish));
        var earlier = (Publish)serializer.FromBinary(MapEncoded(("a", "1"), ("b", "2"), ("a", "3")), manifest);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "3", ["b"] = "2" }, earlier.Messages.Single().Headers);
    }

    private static byte[] Encode(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        write(output);
        output.Flush();
        return stream.ToArray();
    }

    private static TopicSettings EveryPropertySet => new()
    {
        MaxLength = 42,
        Overflow = OverflowPolicy.DeadLetterOldest,
        AckTimeout = TimeSpan.FromMicroseconds(100_000_001),
        MaxDeliveries = 0,
        MessageIdWindow = 1_000_000,
        DefaultTtl = TimeSpan.FromDays(14),
        Expiry = ExpiryPolicy.Drop,
        Durability = Durability.InMemory,
        MaxPayloadBytes = 120_000,
        ConsumerTimeout = TimeSpan.FromHours(1),
    };

    private static byte[] Bytes(int count) => [.. Enumerable.Range(0, count).Select(i => (byte)i)];

    /// <summary>Every public property, recursively, with byte arrays as base64 and dictionaries in any order.</summary>
    private static void AssertSameShape(object expected, object actual)
    {
        var sent = JsonSerializer.SerializeToNode(expected, expected.GetType());
        var received = JsonSerializer.SerializeToNode(actual, actual.GetType());

        Assert.True(JsonNode.DeepEquals(sent, received), $"sent {sent}\nreceived {received}");
    }
}
