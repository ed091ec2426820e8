namespace ClusterQueue.Broker.Topics;

/// <summary>
/// Where in the journal each message was appended: the journal sequence number of the
/// <see cref="MessagesAppended"/> event holding it. A topic deletes journal events below the append
/// of the oldest message it still needs, so this says how far it may delete.
/// </summary>
/// <remarks>
/// Message numbers grow with journal positions (messages are numbered in the order their events
/// are written), so one (last message, journal position) entry per append event is enough and a
/// binary search finds a message's event.
/// </remarks>
public sealed class AppendPositions
{
    private readonly List<(long LastSequenceNr, long JournalSequenceNr)> _appends = [];

    public int Count => _appends.Count;

    /// <summary>Records that the append event at <paramref name="journalSequenceNr"/> holds messages up to <paramref name="lastSequenceNr"/>.</summary>
    public void Add(long lastSequenceNr, long journalSequenceNr)
    {
        if (_appends.Count > 0 && (lastSequenceNr <= _appends[^1].LastSequenceNr || journalSequenceNr <= _appends[^1].JournalSequenceNr))
        {
            throw new ArgumentException(
                $"append of messages up to {lastSequenceNr} at journal position {journalSequenceNr} is not after the last one ({_appends[^1].LastSequenceNr} at {_appends[^1].JournalSequenceNr})");
        }

        _appends.Add((lastSequenceNr, journalSequenceNr));
    }

    public void Add(MessagesAppended appended, long journalSequenceNr)
    {
        if (appended.Messages.Count > 0)
        {
            Add(appended.Messages[^1].SequenceNr, journalSequenceNr);
        }
    }

    /// <summary>The journal position of the event that appended message <paramref name="sequenceNr"/>, or null when it is not known.</summary>
    public long? JournalSequenceNrOf(long sequenceNr)
    {
        var index = FirstAppendReaching(sequenceNr);
        return index < _appends.Count ? _appends[index].JournalSequenceNr : null;
    }

    /// <summary>
    /// The highest journal position that may be deleted when the oldest message still needed is
    /// <paramref name="oldestNeeded"/> (null: none is needed) and the snapshot covers the journal up
    /// to <paramref name="snapshotSequenceNr"/>; 0 when nothing may be deleted.
    /// </summary>
    public long DeletableThrough(long? oldestNeeded, long snapshotSequenceNr)
    {
        if (oldestNeeded is not { } oldest)
        {
            return snapshotSequenceNr;
        }

        return JournalSequenceNrOf(oldest) is { } position ? Math.Min(snapshotSequenceNr, position - 1) : 0;
    }

    /// <summary>Forgets the appends of messages all older than <paramref name="sequenceNr"/>.</summary>
    public void ForgetBefore(long sequenceNr) => _appends.RemoveRange(0, FirstAppendReaching(sequenceNr));

    private int FirstAppendReaching(long sequenceNr)
    {
        var (low, high) = (0, _appends.Count);
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_appends[middle].LastSequenceNr < sequenceNr)
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
