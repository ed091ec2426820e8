namespace ClusterQueue.TestSupport;

public static class Eventually
{
    /// <summary>Polls until the condition holds, or fails the test naming what never happened.</summary>
    public static async Task Holds(string what, Func<Task<bool>> condition, TimeSpan timeout, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Within {timeout.TotalSeconds:0} s, expected: {what}.{Environment.NewLine}{diagnostics?.Invoke()}");
            }

            await Task.Delay(200);
        }
    }

    public static Task Holds(string what, Func<bool> condition, TimeSpan timeout, Func<string>? diagnostics = null) =>
        Holds(what, () => Task.FromResult(condition()), timeout, diagnostics);

    /// <summary>Polls until the source gives a value, and returns it; or fails the test naming what never came.</summary>
    public static async Task<T> Value<T>(string what, Func<Task<T?>> source, TimeSpan timeout)
        where T : class
    {
        T? value = null;
        await Holds(what, async () => (value = await source()) is not null, timeout);
        return value!;
    }
}
