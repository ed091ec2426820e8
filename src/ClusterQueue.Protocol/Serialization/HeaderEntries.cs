using System.Collections.ObjectModel;

namespace ClusterQueue.Protocol.Serialization;

/// <summary>Headers read back from protobuf's repeated (name, value) entries, for both the wire and the journal.</summary>
public static class HeaderEntries
{
    /// <summary>
    /// The headers of <paramref name="entries"/>; a later entry of the same name wins, as it did when
    /// the field was a map. No entries give one shared empty dictionary: most messages have none.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Read<TEntry>(IReadOnlyList<TEntry> entries, Func<TEntry, string> name, Func<TEntry, string> value)
    {
        if (entries.Count == 0)
        {
            return ReadOnlyDictionary<string, string>.Empty;
        }

        var headers = new Dictionary<string, string>(entries.Count, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            headers[name(entry)] = value(entry);
        }

        return headers;
    }
}
