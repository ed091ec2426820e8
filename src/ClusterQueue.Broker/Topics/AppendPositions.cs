namespace ClusterQueue.Broker.Topics;

/// <summary>
/// Where in the journal messages were appended, kept sparse: the journal position of one append
/// event every <see cref="Spacing"/> messages or so. That bounds where a message's event lies (after
/// the last recorded append of older messages, at or before the first recorded one reaching it), so
/// the topic knows where to read a message back and how far it may delete the journal, in memory
/// that does not grow with the backlog.
/// </summary>
/// <remarks>
/// Message numbers grow with journal positions (messages are numbered in the order their events
/// are written), so binary searches find the bounds.
/// </remarks>
public sealed class AppendPositions(int spacing = AppendPositions.DefaultSpacing)
{
    public const int DefaultSpacing = 1000;

    private readonly List<AppendPosition> _entries = [];

    public int Spacing { get; } = spacing >= 1 ? spacing : throw new ArgumentOutOfRangeException(nameof(spacing), spacing, "at least one message apart");

    public IReadOnlyList<AppendPosition> Entries => _entries;

    /// <summary>Records, if it is due, that the append event at <paramref name="journalSequenceNr"/> holds messages up to <paramref name="lastSequenceNr"/>.</summary>
    public void Add(long lastSequenceNr, long journalSequenceNr)
    {
        if (_entries.Count > 0 && (lastSequenceNr <= _entries[^1].LastSequenceNr || journalSequenceNr <= _entries[^1].JournalSequenceNr))
        {
            throw new ArgumentException(
                $"append of messages up to {lastSequenceNr} at journal position {journalSequenceNr} is not after the last one ({_entries[^1].LastSequenceNr} at {_entries[^1].JournalSequenceNr})");
        }

        if (_entries.Count == 0 || lastSequenceNr >= _entries[^1].LastSequenceNr + Spacing)
        {
            _entries.Add(new AppendPosition(lastSequenceNr, journalSequenceNr));
        }
    }

    public void Add(MessagesAppended appended, long journalSequenceNr)
    {
        if (appended.Messages.Count > 0)
        {
            Add(appended.Messages[^1].SequenceNr, journalSequenceNr);
        }
    }

    /// <summary>Takes the entries of a snapshot; they come before any recorded since.</summary>
    public void Restore(IEnumerable<AppendPosition> entries)
    {
        _entries.InsertRange(0, entries);
    }

    /// <summary>The first journal position that may hold message <paramref name="sequenceNr"/>'s append.</summary>
    public long ReadFrom(long sequenceNr)
    {
        var index = FirstReaching(sequenceNr) - 1;
        return index >= 0 ? _entries[index].JournalSequenceNr + 1 : 1;
    }

    /// <summary>The last journal position that may hold it; null when it is newer than every recorded append.</summary>
    public long? ReadTo(long sequenceNr)
    {
        var index = FirstReaching(sequenceNr);
        return index < _entries.Count ? _entries[index].JournalSequenceNr : null;
    }

    /// <summary>
    /// The highest journal position that may be deleted when the oldest message still needed is
    /// <paramref name="oldestNeeded"/> (null: none is needed) and the snapshot covers the journal up
    /// to <paramref name="snapshotSequenceNr"/>; 0 when nothing may be deleted.
    /// </summary>
    public long DeletableThrough(long? oldestNeeded, long snapshotSequenceNr) =>
        oldestNeeded is { } oldest ? Math.Min(snapshotSequenceNr, ReadFrom(oldest) - 1) : snapshotSequenceNr;

    /// <summary>Forgets the entries no message from <paramref name="sequenceNr"/> on needs.</summary>
    public void ForgetBefore(long sequenceNr) => _entries.RemoveRange(0, Math.Max(0, FirstReaching(sequenceNr) - 1));

    private int FirstReaching(long sequenceNr)
    {
        var (low, high) = (0, _entries.Count);
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_entries[middle].LastSequenceNr < sequenceNr)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}

/// <summary>The append event at <paramref name="JournalSequenceNr"/> holds messages up to <paramref name="LastSequenceNr"/>.</summary>
public sealed record AppendPosition(long LastSequenceNr, long JournalSequenceNr);
