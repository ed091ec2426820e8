using ClusterQueue.Broker.Topics;
using FsCheck.Xunit;

namespace ClusterQueue.Broker.Tests.Topics;

public sealed class SequenceRangesSpec
{
    [Fact]
    public void Consecutive_numbers_are_one_range()
    {
        var set = new SequenceRanges();
        for (var seq = 1; seq <= 2_000_000; seq++)
        {
            set.Add(seq);
        }

        Assert.Equal(2_000_000, set.Count);
        Assert.Single(set.Ranges);
        Assert.Equal(1_000_001, set.CountFrom(1_000_000));
    }

    [Fact]
    public void Removing_from_the_middle_splits_a_range_and_adding_it_back_joins_them()
    {
        var set = new SequenceRanges();
        set.AddRange(1, 10);
        set.Remove(5);
        Assert.Equal([new SequenceRange(1, 4), new SequenceRange(6, 10)], set.Ranges);
        set.Add(5);
        Assert.Equal([new SequenceRange(1, 10)], set.Ranges);
    }

    /// <summary>Adds (positive), removals (negative) and cuts (zero: remove below the next number) against a plain set.</summary>
    [Property(MaxTest = 300)]
    public void It_holds_the_same_numbers_as_a_plain_set(int[] operations)
    {
        var set = new SequenceRanges();
        var expected = new SortedSet<long>();
        for (var i = 0; i < operations.Length; i++)
        {
            var seq = Math.Abs((long)operations[i] % 40) + 1;
            if (operations[i] > 0)
            {
                set.Add(seq);
                expected.Add(seq);
            }
            else if (operations[i] < 0)
            {
                Assert.Equal(expected.Remove(seq), set.Remove(seq));
            }
            else
            {
                var cut = i + 1 < operations.Length ? Math.Abs((long)operations[i + 1] % 40) : 20;
                set.RemoveBelow(cut);
                expected.RemoveWhere(s => s < cut);
            }

            Assert.Equal(expected.Count, set.Count);
            Assert.Equal(expected, set.From(0));
            Assert.All(Enumerable.Range(0, 42), s => Assert.Equal(expected.Contains(s), set.Contains(s)));
            Assert.Equal(expected.Count(s => s >= 17), set.CountFrom(17));
            Assert.Equal(expected.Where(s => s >= 17), set.From(17));
            Assert.All(set.Ranges.Zip(set.Ranges.Skip(1)), pair => Assert.True(pair.Item1.To + 1 < pair.Item2.From));
        }
    }

    [Fact]
    public void Ranges_added_out_of_order_merge_with_their_neighbours()
    {
        var set = new SequenceRanges();
        set.AddRange(10, 12);
        set.AddRange(1, 3);
        set.AddRange(5, 6);
        set.AddRange(4, 9);
        Assert.Equal([new SequenceRange(1, 12)], set.Ranges);
        Assert.Equal(12, set.Count);
    }
}
