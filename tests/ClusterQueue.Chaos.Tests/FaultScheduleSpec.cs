namespace ClusterQueue.Chaos.Tests;

public sealed class FaultScheduleSpec
{
    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(int.MaxValue)]
    public void Every_kind_of_fault_comes_once_first_in_an_order_the_seed_decides(int seed)
    {
        var first = FaultSchedule.Draw(seed).Take(Enum.GetValues<FaultKind>().Length).ToList();

        Assert.Equal(Enum.GetValues<FaultKind>().Order(), first.Select(f => f.Kind).Order());
        Assert.Equal(first, FaultSchedule.Draw(seed).Take(first.Count));
    }

    [Fact]
    public void Another_seed_draws_another_schedule()
    {
        Assert.NotEqual(FaultSchedule.Draw(1).Take(20), FaultSchedule.Draw(2).Take(20));
    }
}
