namespace ClusterQueue.Broker.Topics;

/// <summary>
/// A set of sequence numbers kept as sorted, disjoint, non-adjacent ranges: the messages a topic
/// holds. Messages arrive in order and mostly leave in order, so two million held messages are a
/// handful of ranges, whatever the backlog.
/// </summary>
public sealed class SequenceRanges
{
    private readonly List<SequenceRange> _ranges = [];

    public long Count { get; private set; }

    public bool IsEmpty => Count == 0;

    /// <summary>The lowest member; only when not empty.</summary>
    public long First => _ranges[0].From;

    public IReadOnlyList<SequenceRange> Ranges => _ranges;

    public static SequenceRanges Of(IEnumerable<SequenceRange> ranges)
    {
        var set = new SequenceRanges();
        foreach (var range in ranges)
        {
            set.AddRange(range.From, range.To);
        }

        return set;
    }

    public bool Contains(long seq)
    {
        var index = IndexAtOrBefore(seq);
        return index >= 0 && seq <= _ranges[index].To;
    }

    public void Add(long seq) => AddRange(seq, seq);

    /// <summary>Adds every number from <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public void AddRange(long from, long to)
    {
        if (from > to)
        {
            return;
        }

        // Appending at the end is the common case: one message after another.
        if (_ranges.Count == 0 || from > _ranges[^1].To + 1)
        {
            _ranges.Add(new SequenceRange(from, to));
            Count += to - from + 1;
            return;
        }

        var first = Math.Max(0, IndexAtOrBefore(from - 1));
        if (_ranges[first].To < from - 1)
        {
            first++;
        }

        var last = first;
        var (mergedFrom, mergedTo) = (from, to);
        while (last < _ranges.Count && _ranges[last].From <= to + 1)
        {
            mergedFrom = Math.Min(mergedFrom, _ranges[last].From);
            mergedTo = Math.Max(mergedTo, _ranges[last].To);
            Count -= _ranges[last].Length;
            last++;
        }

        _ranges.RemoveRange(first, last - first);
        _ranges.Insert(first, new SequenceRange(mergedFrom, mergedTo));
        Count += mergedTo - mergedFrom + 1;
    }

    public bool Remove(long seq)
    {
        var index = IndexAtOrBefore(seq);
        if (index < 0 || seq > _ranges[index].To)
        {
            return false;
        }

        var range = _ranges[index];
        Count--;
        if (range.From == range.To)
        {
            _ranges.RemoveAt(index);
        }
        else if (seq == range.From)
        {
            _ranges[index] = range with { From = seq + 1 };
        }
        else if (seq == range.To)
        {
            _ranges[index] = range with { To = seq - 1 };
        }
        else
        {
            _ranges[index] = range with { To = seq - 1 };
            _ranges.Insert(index + 1, new SequenceRange(seq + 1, range.To));
        }

        return true;
    }

    /// <summary>Removes every member below <paramref name="seq"/>.</summary>
    public void RemoveBelow(long seq)
    {
        while (_ranges.Count > 0 && _ranges[0].From < seq)
        {
            var range = _ranges[0];
            if (range.To < seq)
            {
                Count -= range.Length;
                _ranges.RemoveAt(0);
            }
            else
            {
                Count -= seq - range.From;
                _ranges[0] = range with { From = seq };
            }
        }
    }

    public void Clear()
    {
        _ranges.Clear();
        Count = 0;
    }

    /// <summary>How many members are at or after <paramref name="seq"/>.</summary>
    public long CountFrom(long seq)
    {
        var count = 0L;
        for (var i = _ranges.Count - 1; i >= 0 && _ranges[i].To >= seq; i--)
        {
            count += _ranges[i].To - Math.Max(_ranges[i].From, seq) + 1;
        }

        return count;
    }

    /// <summary>The members at or after <paramref name="seq"/>, in order; the set must not change while they are read.</summary>
    public IEnumerable<long> From(long seq)
    {
        for (var i = Math.Max(0, IndexAtOrBefore(seq)); i < _ranges.Count; i++)
        {
            for (var member = Math.Max(seq, _ranges[i].From); member <= _ranges[i].To; member++)
            {
                yield return member;
            }
        }
    }

    /// <summary>The index of the last range starting at or before <paramref name="seq"/>; -1 if none.</summary>
    private int IndexAtOrBefore(long seq)
    {
        var (low, high) = (0, _ranges.Count - 1);
        var found = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (_ranges[middle].From <= seq)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }
}

/// <summary>Sequence numbers from <paramref name="From"/> to <paramref name="To"/>, both included.</summary>
public sealed record SequenceRange(long From, long To)
{
    public long Length => To - From + 1;
}
