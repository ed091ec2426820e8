namespace ClusterQueue.Broker.Metrics;

/// <summary>
/// Events per second over the last <see cref="WindowSeconds"/> whole seconds, counted in one
/// bucket per second; the second under way is left out so a rate never dips because it just began.
/// </summary>
public sealed class RateMeter
{
    public const int WindowSeconds = 10;

    private readonly long[] _counts = new long[WindowSeconds + 1];
    private readonly long[] _seconds = new long[WindowSeconds + 1];

    public void Add(long count, DateTimeOffset now)
    {
        if (count == 0)
        {
            return;
        }

        var second = now.ToUnixTimeSeconds();
        var slot = (int)(second % _counts.Length);
        if (_seconds[slot] != second)
        {
            _seconds[slot] = second;
            _counts[slot] = 0;
        }

        _counts[slot] += count;
    }

    public double PerSecond(DateTimeOffset now)
    {
        var current = now.ToUnixTimeSeconds();
        long total = 0;
        for (var slot = 0; slot < _counts.Length; slot++)
        {
            var age = current - _seconds[slot];
            if (age is >= 1 and <= WindowSeconds)
            {
                total += _counts[slot];
            }
        }

        return (double)total / WindowSeconds;
    }
}
