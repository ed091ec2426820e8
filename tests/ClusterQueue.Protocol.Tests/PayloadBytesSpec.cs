using Akka.TestKit.Xunit2;
using ClusterQueue.Protocol.Serialization;
using ClusterQueue.Protocol.Topics;
using Google.Protobuf;

namespace ClusterQueue.Protocol.Tests;

public sealed class PayloadBytesSpec() : TestKit(ClusterQueueSerializer.Configuration)
{
    [Fact]
    public void A_parsed_payload_is_its_own_copy_so_reusing_the_frame_does_not_change_it()
    {
        var serializer = (ClusterQueueSerializer)Sys.Serialization.FindSerializerForType(typeof(Publish));
        var publish = new Publish("orders", "producer-1", [new OutgoingMessage(1, [1, 2, 3, 4])]);
        var frame = serializer.ToBinary(publish);

        var read = (Publish)serializer.FromBinary(frame, serializer.Manifest(publish));
        Array.Clear(frame);

        Assert.Equal([1, 2, 3, 4], read.Messages[0].Payload);
    }

    [Fact]
    public void A_payload_that_is_part_of_a_larger_array_is_copied_out()
    {
        var larger = new byte[] { 9, 1, 2, 3, 9 };
        var part = UnsafeByteOperations.UnsafeWrap(larger.AsMemory(1, 3));

        var payload = PayloadBytes.Read(part);

        Assert.Equal([1, 2, 3], payload);
        Assert.NotSame(larger, payload);
    }

    [Fact]
    public void An_empty_payload_reads_as_an_empty_array() => Assert.Empty(PayloadBytes.Read(ByteString.Empty));
}
