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
}
