namespace ClusterQueue.Chaos.Tests;

public sealed class ReceiveRecordSpec
{
    [Fact]
    public void A_record_reads_back_from_its_line()
    {
        var record = new ReceiveRecord("p1-42", "chaos-1", "g1", "c1#123", 17, 2, true, new DateTime(2026, 11, 27, 0, 0, 1, DateTimeKind.Utc));

        Assert.Equal(record, ReceiveRecord.Parse(record.ToLine()));
    }

    [Fact]
    public void A_line_cut_short_by_a_killed_writer_is_skipped()
    {
        var line = new ReceiveRecord("p1-42", "chaos-1", "g1", "c1#123", 17, 1, false, DateTime.UtcNow).ToLine();

        Assert.Null(ReceiveRecord.Parse(line[..^10]));
        Assert.Null(ReceiveRecord.Parse(line[..20]));
    }
}
