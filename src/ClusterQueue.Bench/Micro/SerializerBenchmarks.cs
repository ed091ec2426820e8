using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using BenchmarkDotNet.Attributes;
using ClusterQueue.Broker.Serialization;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Protocol.Serialization;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Bench.Micro;

/// <summary>
/// The serializers on a message's way: the publish a producer sends, the batch the topic appends to
/// its journal, the delivery it sends a consumer. Each carries <see cref="Messages"/> messages of
/// 100 bytes with one header, and is written and read as remoting and the journal do.
/// </summary>
[MemoryDiagnoser]
public class SerializerBenchmarks
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private ActorSystem _system = null!;
    private SerializerWithStringManifest _serializer = null!;
    private object _message = null!;
    private string _manifest = null!;
    private byte[] _bytes = null!;

    public enum Carrier
    {
        Publish,
        MessagesAppended,
        Delivery,
    }

    [Params(Carrier.Publish, Carrier.MessagesAppended, Carrier.Delivery)]
    public Carrier Kind { get; set; }

    [Params(1, 100)]
    public int Messages { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("serializer-bench", ClusterQueueSerializer.Configuration.WithFallback(TopicEventSerializer.Configuration).WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING")));
        _message = Kind switch
        {
            Carrier.Publish => new Publish("orders", "producer-1", [.. Enumerable.Range(1, Messages).Select(i => new OutgoingMessage(i, Payload(), Headers))]),
            Carrier.MessagesAppended => new MessagesAppended([.. Enumerable.Range(1, Messages).Select(i => new StoredMessage(i, "producer-1", i, null, Payload(), Headers, At, null, null, null))]),
            Carrier.Delivery => new Delivery("orders", "billing", "consumer-1", [.. Enumerable.Range(1, Messages).Select(i => new DeliveredMessage(new TopicMessage(i, Payload(), Headers, null, At), 1, At.AddSeconds(30)))]),
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
        };
        _serializer = _system.Serialization.FindSerializerFor(_message) as SerializerWithStringManifest
            ?? throw new InvalidOperationException($"{Kind} is not bound to one of ClusterQueue's serializers");
        _manifest = _serializer.Manifest(_message);
        _bytes = _serializer.ToBinary(_message);
        if (!Deserialize().GetType().Equals(_message.GetType()))
        {
            throw new InvalidOperationException($"{Kind} did not read back as itself");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    [Benchmark]
    public byte[] Serialize() => _serializer.ToBinary(_message);

    [Benchmark]
    public object Deserialize() => _serializer.FromBinary(_bytes, _manifest);

    private static readonly IReadOnlyDictionary<string, string> Headers = new Dictionary<string, string> { ["content-type"] = "application/octet-stream" };

    private static byte[] Payload() => new byte[100];
}
