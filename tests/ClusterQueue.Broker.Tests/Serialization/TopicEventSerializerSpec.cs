using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.TestKit.Xunit2;
using ClusterQueue.Broker.Serialization;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Tests.Serialization;

public sealed class TopicEventSerializerSpec() : TestKit(TopicEventSerializer.Configuration)
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 12, 0, 0, 123, 456, TimeSpan.Zero);

    /// <summary>
    /// What journal-v1.txt holds, line by line: every event type, the edge cases of each included.
    /// The file was written from these by the first schema, so they never change; a new event type
    /// gets a sample appended here and its line appended to the file.
    /// </summary>
    public static IReadOnlyList<IDurableTopicEvent> JournalSamples { get; } =
    [
        new TopicSettingsChanged(TopicSettings.Default),
        new TopicSettingsChanged(EveryPropertySet),
        TopicDeletedEvent.Instance,
        new MessagesAppended(
            [
                new StoredMessage(
                    1,
                    "producer-1",
                    17,
                    "order-17",
                    [1, 2, 3],
                    new Dictionary<string, string> { ["content-type"] = "text/plain; charset=utf-8", ["émetteur"] = "Zoë 🚀 東京" },
                    At,
                    At.AddDays(14),
                    At.AddMicroseconds(1),
                    OnlyGroup: null),
                new StoredMessage(2, "producer-1", 18, null, [], new Dictionary<string, string>(), At, null, null, null),
                new StoredMessage(
                    3,
                    "orders.dlq",
                    4,
                    null,
                    [42],
                    new Dictionary<string, string> { ["k"] = "" },
                    DateTimeOffset.UnixEpoch.AddMicroseconds(-1),
                    null,
                    null,
                    OnlyGroup: "billing"),
            ]),
        new MessagesAppended([]),
        new GroupCreated("billing", 1),
        new GroupDeletedEvent("billing"),
        new MessagesLeased("billing", "consumer-1", [3, 1, 2], At.AddSeconds(30)),
        new MessagesLeased("billing", "consumer-2", [], DateTimeOffset.UnixEpoch),
        new MessagesAcked("billing", [1, long.MaxValue]),
        new MessagesAcked("billing", []),
        new MessagesReleased("billing", [4, 5], At.AddSeconds(5)),
        new MessagesReleased("billing", [6], RedeliverAt: null),
        new LeasesExtended("billing", [7, 8], At.AddMinutes(2)),
        new MessagesDeadLettered(
            [
                new DeadLetter("billing", 9, DeadLetterReason.MaxDeliveries, 5, 1),
                new DeadLetter("audit", 10, DeadLetterReason.Expired, 0, 2),
                new DeadLetter("", 11, DeadLetterReason.Overflow, 0, long.MaxValue),
            ]),
        new MessagesDeadLettered([]),
        new DeadLettersForwarded([1, 2]),
        new DeadLettersForwarded([]),
        new MessagesExpired("billing", [12]),
        new MessagesPurged(1_000),
        new MessagesReplaying([3, 4]),
        new ReplaysConfirmed([3]),

        // The second schema: a release that does not count toward max-deliveries.
        new MessagesReleased("billing", [7, 8], RedeliverAt: null, Counted: false),
    ];

    /// <summary>The journal samples, and cases too large or too odd for the journal file.</summary>
    public static TheoryData<IDurableTopicEvent> Events { get; } =
    [
        .. JournalSamples,
        new MessagesAppended(
            [
                new StoredMessage(
                    long.MaxValue,
                    "producer-1",
                    long.MaxValue,
                    "big",
                    Bytes(60 * 1024),
                    new Dictionary<string, string> { ["émetteur"] = "Zoë 🚀 東京" },
                    At,
                    At.AddDays(14),
                    null,
                    "billing"),
            ]),
        new TopicSettingsChanged(
            TopicSettings.Default with { Overflow = (OverflowPolicy)9, Expiry = (ExpiryPolicy)9, Durability = (Durability)9 }),
        new MessagesDeadLettered([new DeadLetter("billing", 1, (DeadLetterReason)9, 1, 1)]),
    ];

    /// <summary>
    /// What snapshot-v1.txt holds, line by line: a snapshot with every list filled and one of a topic never
    /// configured, written by the first schema; then one written by the second (held messages as ranges,
    /// pinned ones listed). A new case is appended to both. The first schema listed every held message and
    /// kept them all in memory, so it reads back as single-message ranges, every one of them pinned.
    /// </summary>
    public static IReadOnlyList<TopicSnapshot> SnapshotSamples { get; } =
    [
        new TopicSnapshot(
            EveryPropertySet,
            NextSeq: 41,
            NextDeadLetterId: 4,
            Held: [new(3, 3), new(5, 5), new(8, 8), new(13, 13), new(21, 21)],
            Pinned: [3, 5, 8, 13, 21],
            Groups:
            [
                new GroupSnapshot(
                    "billing",
                    FirstSeq: 1,
                    NextSeq: 22,
                    Ahead: [34, 40],
                    Leases: [new LeaseSnapshot(3, "consumer-1", At.AddSeconds(30)), new LeaseSnapshot(5, "consumer-2", At.AddMicroseconds(1))],
                    Ready: [13, 8],
                    Waiting: [new WaitSnapshot(21, At.AddMinutes(5))],
                    Attempts: [new AttemptsSnapshot(3, 2), new AttemptsSnapshot(5, int.MaxValue)],
                    DeadLettered: 3),
                new GroupSnapshot(
                    "émetteur 東京",
                    FirstSeq: 8,
                    NextSeq: long.MaxValue,
                    Ahead: [41],
                    Leases: [new LeaseSnapshot(8, "", DateTimeOffset.UnixEpoch.AddMicroseconds(-1))],
                    Ready: [21],
                    Waiting: [new WaitSnapshot(13, DateTimeOffset.UnixEpoch), new WaitSnapshot(8, At)],
                    Attempts: [new AttemptsSnapshot(8, 1)],
                    DeadLettered: 0),
            ],
            Producers:
            [
                new ProducerSnapshot("producer-1", [new ProducerEntrySnapshot(17, 3), new ProducerEntrySnapshot(18, 5)]),
                new ProducerSnapshot("orders.dlq", [new ProducerEntrySnapshot(long.MaxValue, 21)]),
            ],
            MessageIds: [new MessageIdSnapshot("order-17", 3), new MessageIdSnapshot("Zoë 🚀", 8)],
            Outbox:
            [
                new DeadLetter("billing", 9, DeadLetterReason.MaxDeliveries, 5, 1),
                new DeadLetter("billing", 10, DeadLetterReason.Expired, 0, 2),
                new DeadLetter("", 11, DeadLetterReason.Overflow, 0, 3),
            ],
            Replays: [2, 7]),
        new TopicSnapshot(null, 0, 0, [], [], [], [], [], [], []),
        new TopicSnapshot(
            TopicSettings.Default,
            NextSeq: 2_000_001,
            NextDeadLetterId: 1,
            Held: [new(1, 1_999_000), new(1_999_002, 2_000_000)],
            Pinned: [1_999_999],
            Groups: [new GroupSnapshot("billing", 1, 1, [1_999_999], [], [], [new WaitSnapshot(1_999_999, At)], [], 0)],
            Producers: [],
            MessageIds: [],
            Outbox: [],
            Replays: []),
    ];

    /// <summary>The snapshot samples, and a group with forgiven deliveries (a field the third schema added).</summary>
    public static TheoryData<TopicSnapshot> Snapshots { get; } =
    [
        .. SnapshotSamples,
        new TopicSnapshot(
            TopicSettings.Default,
            NextSeq: 4,
            NextDeadLetterId: 1,
            Held: [new(1, 3)],
            Pinned: [],
            Groups: [new GroupSnapshot("billing", 1, 4, [], [new LeaseSnapshot(2, "c1", At)], [1], [], [new AttemptsSnapshot(1, 3, 2), new AttemptsSnapshot(2, 1)], 0)],
            Producers: [],
            MessageIds: [],
            Outbox: [],
            Replays: []),
    ];

    private static string JournalPath => Path.Combine(AppContext.BaseDirectory, "Serialization", "journal-v1.txt");

    private static string SnapshotsPath => Path.Combine(AppContext.BaseDirectory, "Serialization", "snapshot-v1.txt");

    private TopicEventSerializer Serializer =>
        Assert.IsType<TopicEventSerializer>(Sys.Serialization.FindSerializerForType(typeof(TopicDeletedEvent)));

    [Theory]
    [MemberData(nameof(Events))]
    public void Every_event_survives_a_round_trip_through_the_serializer_Akka_binds_it_to(IDurableTopicEvent topicEvent)
    {
        var serialization = Sys.Serialization;
        var serializer = serialization.FindSerializerFor(topicEvent);

        var bytes = serializer.ToBinary(topicEvent);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, topicEvent);
        var back = serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType<TopicEventSerializer>(serializer);
        Assert.Equal(TopicEventSerializer.SerializerId, serializer.Identifier);
        AssertSameEvent(topicEvent, back);
    }

    [Fact]
    public void Every_durable_event_type_has_a_sample_in_the_journal()
    {
        var sampled = JournalSamples.Select(e => e.GetType()).ToHashSet();
        var eventTypes = typeof(IDurableTopicEvent).Assembly.GetTypes()
            .Where(t => typeof(IDurableTopicEvent).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false });

        Assert.All(eventTypes, t => Assert.Contains(t, sampled));
    }

    [Fact]
    public void Every_event_type_has_a_manifest_of_its_own()
    {
        var manifestsByType = JournalSamples
            .DistinctBy(e => e.GetType())
            .ToDictionary(e => e.GetType(), Serializer.Manifest);

        Assert.Equal(manifestsByType.Count, manifestsByType.Values.Distinct(StringComparer.Ordinal).Count());
        Assert.All(manifestsByType.Values, manifest => Assert.InRange(manifest.Length, 2, 4));
    }

    [Fact]
    public void The_journal_written_by_the_first_schema_still_reads() => AssertGoldenFileReads(JournalPath, JournalSamples);

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void A_snapshot_survives_a_round_trip_through_the_serializer_Akka_binds_it_to(TopicSnapshot snapshot)
    {
        var serialization = Sys.Serialization;
        var serializer = serialization.FindSerializerFor(snapshot);

        var bytes = serializer.ToBinary(snapshot);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, snapshot);
        var back = serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType<TopicEventSerializer>(serializer);
        Assert.DoesNotContain(manifest, JournalSamples.Select(Serializer.Manifest));
        AssertSameEvent(snapshot, back);
    }

    [Fact]
    public void A_snapshot_written_by_the_first_schema_still_reads() => AssertGoldenFileReads(SnapshotsPath, SnapshotSamples);

    /// <summary>
    /// A golden file holds one sample a line, <c>manifest base64</c> (the manifest alone when the bytes are
    /// empty: no trailing space for an editor to trim), in the order of <paramref name="samples"/>.
    /// </summary>
    private void AssertGoldenFileReads<T>(string path, IReadOnlyList<T> samples)
        where T : notnull
    {
        var lines = File.ReadAllLines(path).Where(line => !line.StartsWith('#')).ToList();

        Assert.Equal(samples.Count, lines.Count);
        Assert.All(lines.Zip(samples), pair =>
        {
            var (line, expected) = pair;
            var fields = line.Split(' ');
            var manifest = fields[0];
            var bytes = Convert.FromBase64String(fields.ElementAtOrDefault(1) ?? "");
            var back = Sys.Serialization.Deserialize(bytes, TopicEventSerializer.SerializerId, manifest);

            Assert.Equal(Serializer.Manifest(expected), manifest);
            AssertSameEvent(expected, back);
        });
    }

    [Fact]
    public void Times_keep_their_instant_to_the_microsecond_and_come_back_in_UTC()
    {
        var leaseExpiresAt = new DateTimeOffset(2026, 11, 26, 14, 0, 30, 123, 456, TimeSpan.FromHours(2)).AddTicks(9);
        var leased = new MessagesLeased("billing", "consumer-1", [1], leaseExpiresAt);
        var settings = new TopicSettingsChanged(TopicSettings.Default with { AckTimeout = TimeSpan.FromSeconds(1).Add(TimeSpan.FromTicks(19)) });

        var leasedBack = (MessagesLeased)Serializer.FromBinary(Serializer.ToBinary(leased), Serializer.Manifest(leased));
        var settingsBack = (TopicSettingsChanged)Serializer.FromBinary(Serializer.ToBinary(settings), Serializer.Manifest(settings));

        Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 0, 30, 123, 456, TimeSpan.Zero), leasedBack.LeaseExpiresAt);
        Assert.Equal(TimeSpan.Zero, leasedBack.LeaseExpiresAt.Offset);
        Assert.Equal(TimeSpan.FromSeconds(1).Add(TimeSpan.FromMicroseconds(1)), settingsBack.Settings.AckTimeout);
    }

    [Fact]
    public void An_unknown_manifest_is_an_error_naming_it()
    {
        var error = Assert.Throws<SerializationException>(() => Serializer.FromBinary([], "ZZ"));

        Assert.Contains("'ZZ'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_make_no_event_are_an_error_naming_the_manifest()
    {
        var manifest = Serializer.Manifest(new MessagesAcked("billing", []));

        var error = Assert.Throws<SerializationException>(() => Serializer.FromBinary([0xFF, 0xFF, 0xFF], manifest));

        Assert.StartsWith($"TopicEventSerializer cannot read a '{manifest}' event", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_settings_change_without_settings_is_an_error_naming_the_manifest()
    {
        var manifest = Serializer.Manifest(new TopicSettingsChanged(TopicSettings.Default));

        var error = Assert.Throws<SerializationException>(() => Serializer.FromBinary([], manifest));

        Assert.StartsWith($"TopicEventSerializer cannot read a '{manifest}' event", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_of_a_newer_version_with_an_unknown_field_still_reads()
    {
        var purged = new MessagesPurged(7);
        // Field 15, varint 1: what a later version adding a field would write.
        byte[] newer = [.. Serializer.ToBinary(purged), 15 << 3, 1];

        Assert.Equal(purged, Serializer.FromBinary(newer, Serializer.Manifest(purged)));
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

    /// <summary>
    /// Same type and every public property, recursively: events and snapshots hold lists, dictionaries and byte
    /// arrays, which records compare by reference. Byte arrays compare as base64, dictionaries in any order.
    /// </summary>
    private static void AssertSameEvent(object expected, object actual)
    {
        Assert.IsType(expected.GetType(), actual);
        var written = JsonSerializer.SerializeToNode(expected, expected.GetType());
        var read = JsonSerializer.SerializeToNode(actual, actual.GetType());

        Assert.True(JsonNode.DeepEquals(written, read), $"written {written}\nread {read}");
    }
}
