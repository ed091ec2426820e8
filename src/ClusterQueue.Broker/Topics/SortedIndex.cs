using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace ClusterQueue.Broker.Topics;

/// <summary>
/// A sorted dictionary that also keeps its values in key order as an immutable array, rebuilt on
/// every change. Walking a SortedDictionary allocates an enumerator stack each time, and the topic
/// walks its groups and consumers for every command and message, while they change rarely.
/// </summary>
internal sealed class SortedIndex<TKey, TValue>(IComparer<TKey>? comparer = null) : IReadOnlyDictionary<TKey, TValue>
    where TKey : notnull
{
    private readonly SortedDictionary<TKey, TValue> _entries = new(comparer);

    /// <summary>The values in key order; walking it allocates nothing.</summary>
    public ImmutableArray<TValue> Values { get; private set; } = [];

    public IEnumerable<TKey> Keys => _entries.Keys;

    IEnumerable<TValue> IReadOnlyDictionary<TKey, TValue>.Values => Values;

    public int Count => _entries.Count;

    public TValue this[TKey key]
    {
        get => _entries[key];
        set
        {
            _entries[key] = value;
            Values = [.. _entries.Values];
        }
    }

    public bool ContainsKey(TKey key) => _entries.ContainsKey(key);

    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => _entries.TryGetValue(key, out value);

    public void Remove(TKey key)
    {
        if (_entries.Remove(key))
        {
            Values = [.. _entries.Values];
        }
    }

    public void Clear()
    {
        _entries.Clear();
        Values = [];
    }

    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
