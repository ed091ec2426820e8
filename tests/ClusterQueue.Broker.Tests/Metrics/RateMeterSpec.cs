using ClusterQueue.Broker.Metrics;

namespace ClusterQueue.Broker.Tests.Metrics;

public sealed class RateMeterSpec
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly RateMeter _rate = new();

    [Fact]
    public void The_rate_averages_the_last_ten_whole_seconds_and_leaves_out_the_one_under_way()
    {
        for (var second = 0; second < 10; second++)
        {
            _rate.Add(100, Start.AddSeconds(second));
        }

        _rate.Add(5_000, Start.AddSeconds(10.5));

        Assert.Equal(100, _rate.PerSecond(Start.AddSeconds(10.9)));
        Assert.Equal((900 + 5_000) / 10.0, _rate.PerSecond(Start.AddSeconds(11)));
    }

    [Fact]
    public void A_topic_that_went_quiet_has_its_rate_fall_to_zero_within_the_window()
    {
        _rate.Add(1_000, Start);

        Assert.Equal(100, _rate.PerSecond(Start.AddSeconds(5)));
        Assert.Equal(100, _rate.PerSecond(Start.AddSeconds(10)));
        Assert.Equal(0, _rate.PerSecond(Start.AddSeconds(11)));
        Assert.Equal(0, _rate.PerSecond(Start.AddHours(1)));
    }

    [Fact]
    public void A_bucket_reused_after_the_window_starts_again_from_zero()
    {
        _rate.Add(1_000, Start);
        _rate.Add(10, Start.AddSeconds(11));

        Assert.Equal(1, _rate.PerSecond(Start.AddSeconds(12)));
    }
}
