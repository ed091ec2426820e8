using ClusterQueue.Broker.Topics;

namespace ClusterQueue.Broker.Tests.Topics;

public sealed class AppendPositionsSpec
{
    /// <summary>Messages 1–3 appended at journal position 2, 4–4 at 5, 5–9 at 9.</summary>
    private static AppendPositions ThreeAppends()
    {
        var positions = new AppendPositions();
        positions.Add(lastSequenceNr: 3, journalSequenceNr: 2);
        positions.Add(lastSequenceNr: 4, journalSequenceNr: 5);
        positions.Add(lastSequenceNr: 9, journalSequenceNr: 9);
        return positions;
    }

    [Theory]
    [InlineData(1, 2L)]
    [InlineData(3, 2L)]
    [InlineData(4, 5L)]
    [InlineData(5, 9L)]
    [InlineData(9, 9L)]
    [InlineData(10, null)]
    public void Each_message_is_found_in_the_append_event_holding_it(long sequenceNr, long? journalSequenceNr) =>
        Assert.Equal(journalSequenceNr, ThreeAppends().JournalSequenceNrOf(sequenceNr));

    [Fact]
    public void The_journal_may_be_deleted_up_to_the_event_before_the_oldest_needed_message_and_no_further_than_the_snapshot()
    {
        var positions = ThreeAppends();
        Assert.Equal(8, positions.DeletableThrough(oldestNeeded: 5, snapshotSequenceNr: 12));
        Assert.Equal(4, positions.DeletableThrough(oldestNeeded: 4, snapshotSequenceNr: 12));
        Assert.Equal(3, positions.DeletableThrough(oldestNeeded: 5, snapshotSequenceNr: 3));
        Assert.Equal(1, positions.DeletableThrough(oldestNeeded: 2, snapshotSequenceNr: 12));
        Assert.Equal(12, positions.DeletableThrough(oldestNeeded: null, snapshotSequenceNr: 12));
    }

    [Fact]
    public void Nothing_is_deleted_when_the_oldest_needed_message_has_no_known_append()
    {
        var positions = ThreeAppends();
        positions.ForgetBefore(5);
        Assert.Equal(0, positions.DeletableThrough(oldestNeeded: 11, snapshotSequenceNr: 12));
    }

    [Fact]
    public void Forgetting_old_appends_keeps_the_event_of_a_message_still_needed()
    {
        var positions = ThreeAppends();
        positions.ForgetBefore(4);
        Assert.Equal(2, positions.Count);
        Assert.Equal(5, positions.JournalSequenceNrOf(4));
        Assert.Equal(9, positions.JournalSequenceNrOf(7));
    }

    [Fact]
    public void An_append_out_of_order_is_refused()
    {
        var positions = ThreeAppends();
        Assert.Throws<ArgumentException>(() => positions.Add(lastSequenceNr: 8, journalSequenceNr: 10));
        Assert.Throws<ArgumentException>(() => positions.Add(lastSequenceNr: 12, journalSequenceNr: 9));
    }
}
