using System.Runtime.InteropServices;
using Google.Protobuf;

namespace ClusterQueue.Protocol.Serialization;

/// <summary>Message payloads into and out of protobuf without copies, for both the wire and the journal.</summary>
public static class PayloadBytes
{
    /// <summary>A payload as protobuf bytes: payloads are never changed once handed over, and the data is written out at once.</summary>
    public static ByteString Wrap(byte[] payload) => UnsafeByteOperations.UnsafeWrap(payload);

    /// <summary>
    /// A parsed payload's bytes without a second copy: the parser already copied them out of the
    /// frame into an array of their own, which nothing else holds once the parsed data is dropped.
    /// </summary>
    public static byte[] Read(ByteString payload) =>
        MemoryMarshal.TryGetArray(payload.Memory, out var bytes) && bytes.Offset == 0 && bytes.Count == bytes.Array!.Length
            ? bytes.Array
            : payload.ToByteArray();
}
