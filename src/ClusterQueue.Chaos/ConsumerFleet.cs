using System.Diagnostics;
using System.Globalization;
using ClusterQueue.Client;

namespace ClusterQueue.Chaos;

/// <summary>The consumer processes of the run: this executable in its consume mode, one per consumer.</summary>
public sealed class ConsumerFleet : IAsyncDisposable
{
    private readonly string _runDir;
    private readonly IReadOnlyList<ContactPoint> _contactPoints;
    private readonly IReadOnlyList<string> _topics;
    private readonly (string Name, string Group)[] _consumers;
    private readonly Process?[] _processes;

    public ConsumerFleet(string runDir, IReadOnlyList<ContactPoint> contactPoints, IReadOnlyList<string> topics, IReadOnlyList<(string Name, string Group)> consumers)
    {
        _runDir = runDir;
        _contactPoints = contactPoints;
        _topics = topics;
        _consumers = [.. consumers];
        _processes = new Process?[_consumers.Length];
    }

    public int Count => _consumers.Length;

    public IReadOnlyList<string> Groups => [.. _consumers.Select(c => c.Group).Distinct()];

    public string Describe(int index) => $"consumer {_consumers[index].Name} (group {_consumers[index].Group})";

    public void StartAll()
    {
        for (var i = 0; i < _consumers.Length; i++)
        {
            Start(i);
        }
    }

    public void Start(int index)
    {
        var (name, group) = _consumers[index];
        var start = new ProcessStartInfo("bash") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec dotnet \"$0\" consume --contacts \"$1\" --topics \"$2\" --group \"$3\" --name \"$4\" --run-dir \"$5\" >> \"$6\" 2>&1");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ClusterQueue.Chaos.dll"));
        start.ArgumentList.Add(string.Join(",", _contactPoints));
        start.ArgumentList.Add(string.Join(",", _topics));
        start.ArgumentList.Add(group);
        start.ArgumentList.Add(name);
        start.ArgumentList.Add(_runDir);
        start.ArgumentList.Add(Path.Combine(_runDir, $"consumer-{name}.log"));
        _processes[index]?.Dispose();
        _processes[index] = Process.Start(start)!;
    }

    /// <summary>SIGKILL: the consumer dies mid-handling, without unsubscribing or acking.</summary>
    public async Task KillAsync(int index)
    {
        if (_processes[index] is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public void SetSlow(int index, bool slow)
    {
        var flag = ConsumerProcess.SlowFlag(_runDir, _consumers[index].Name);
        if (slow)
        {
            File.WriteAllText(flag, "slow");
        }
        else
        {
            File.Delete(flag);
        }
    }

    /// <summary>Every delivery the consumers recorded, over all their incarnations.</summary>
    public IReadOnlyList<ReceiveRecord> ReadReceives() =>
        [.. Directory.EnumerateFiles(_runDir, "receives-*.tsv")
            .SelectMany(File.ReadLines)
            .Select(ReceiveRecord.Parse)
            .OfType<ReceiveRecord>()];

    /// <summary>SIGTERM to each: it unsubscribes and exits.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes.OfType<Process>().Where(p => !p.HasExited))
        {
            using var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync();
        }

        foreach (var process in _processes.OfType<Process>())
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }
    }
}
