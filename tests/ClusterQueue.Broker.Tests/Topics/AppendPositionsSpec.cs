using ClusterQueue.Broker.Topics;

namespace ClusterQueue.Broker.Tests.Topics;

public sealed class AppendPositionsSpec
{
    /// <summary>Every append recorded: messages 1–3 appended at journal position 2, 4 at 5, 5–9 at 9.</summary>
    private static AppendPositions ThreeAppends()
    {
        var positions = new AppendPositions(spacing: 1);
        positions.Add(lastSequenceNr: 3, journalSequenceNr: 2);
        positions.Add(lastSequenceNr: 4, journalSequenceNr: 5);
        positions.Add(lastSequenceNr: 9, journalSequenceNr: 9);
        return positions;
    }

    [Theory]
    [InlineData(1, 1L, 2L)]
    [InlineData(3, 1L, 2L)]
    [InlineData(4, 3L, 5L)]
    [InlineData(5, 6L, 9L)]
    [InlineData(9, 6L, 9L)]
    [InlineData(10, 10L, null)]
    public void A_message_is_read_back_between_the_append_before_it_and_the_one_reaching_it(long sequenceNr, long from, long? to)
    {
        var positions = ThreeAppends();
        Assert.Equal(from, positions.ReadFrom(sequenceNr));
        Assert.Equal(to, positions.ReadTo(sequenceNr));
    }

    [Fact]
    public void The_journal_may_be_deleted_up_to_the_append_before_the_oldest_needed_message_and_no_further_than_the_snapshot()
    {
        var positions = ThreeAppends();
        Assert.Equal(5, positions.DeletableThrough(oldestNeeded: 5, snapshotSequenceNr: 12));
        Assert.Equal(3, positions.DeletableThrough(oldestNeeded: 5, snapshotSequenceNr: 3));
        Assert.Equal(0, positions.DeletableThrough(oldestNeeded: 2, snapshotSequenceNr: 12));
        Assert.Equal(12, positions.DeletableThrough(oldestNeeded: null, snapshotSequenceNr: 12));
    }

    [Fact]
    public void Appends_are_recorded_about_every_spacing_messages_and_still_bound_every_message()
    {
        var positions = new AppendPositions(spacing: 100);
        for (var journal = 1L; journal <= 1000; journal++)
        {
            positions.Add(lastSequenceNr: journal * 10, journalSequenceNr: journal);
        }

        Assert.InRange(positions.Entries.Count, 90, 110);
        for (var seq = 1L; seq <= 10_000; seq += 37)
        {
            var holding = (seq + 9) / 10;
            Assert.InRange(holding, positions.ReadFrom(seq), positions.ReadTo(seq) ?? long.MaxValue);
            Assert.True((positions.ReadTo(seq) ?? 1000) - positions.ReadFrom(seq) <= 20, $"a read for {seq} spans at most two spacings");
        }
    }

    [Fact]
    public void Forgetting_old_appends_keeps_the_bounds_of_a_message_still_needed()
    {
        var positions = ThreeAppends();
        positions.ForgetBefore(5);
        Assert.Equal(2, positions.Entries.Count);
        Assert.Equal(6, positions.ReadFrom(5));
        Assert.Equal(9, positions.ReadTo(7));
    }

    [Fact]
    public void An_append_out_of_order_is_refused()
    {
        var positions = ThreeAppends();
        Assert.Throws<ArgumentException>(() => positions.Add(lastSequenceNr: 8, journalSequenceNr: 10));
        Assert.Throws<ArgumentException>(() => positions.Add(lastSequenceNr: 12, journalSequenceNr: 9));
    }
}
