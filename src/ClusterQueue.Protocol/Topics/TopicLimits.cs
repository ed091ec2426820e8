namespace ClusterQueue.Protocol.Topics;

/// <summary>
/// Sizes chosen against remoting's frame size (128000 bytes by default; a larger message is
/// dropped with only a log line): every message that carries payloads stays under
/// <see cref="MaxEnvelopeBytes"/>, leaving room for the envelope around it.
/// </summary>
public static class TopicLimits
{
    /// <summary>Most payload, header and id bytes one publish, delivery or peek result carries.</summary>
    public const int MaxEnvelopeBytes = 120_000;

    /// <summary>Largest payload a topic may be configured to accept, so one message always fits an envelope with its headers.</summary>
    public const int MaxPayloadBytes = 64 * 1024;

    /// <summary>Upper bound of a message's encoded size: payload, plus headers and id at 3 UTF-8 bytes a character.</summary>
    public static int SizeOf(byte[] payload, IReadOnlyDictionary<string, string>? headers, string? messageId) =>
        payload.Length + (headers?.Sum(h => h.Key.Length + h.Value.Length) ?? 0) * 3 + (messageId?.Length ?? 0) * 3 + 32;

    public static int SizeOf(TopicMessage message) => SizeOf(message.Payload, message.Headers, message.MessageId);

    public static int SizeOf(OutgoingMessage message) => SizeOf(message.Payload, message.Headers, message.MessageId);

    /// <summary>Splits items into runs that each fit one envelope; an item is never split.</summary>
    public static IEnumerable<List<T>> Chunk<T>(IEnumerable<T> items, Func<T, int> sizeOf)
    {
        var chunk = new List<T>();
        var bytes = 0;
        foreach (var item in items)
        {
            var size = sizeOf(item);
            if (chunk.Count > 0 && bytes + size > MaxEnvelopeBytes)
            {
                yield return chunk;
                chunk = [];
                bytes = 0;
            }

            chunk.Add(item);
            bytes += size;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }
}
