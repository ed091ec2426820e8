using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using ClusterQueue.TestSupport;

namespace ClusterQueue.Node.Tests.Support;

/// <summary>The cq executable, run as an operator runs it: a process, its output and exit code.</summary>
public sealed class CqProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Task _stdout;
    private readonly Task<string> _stderr;

    private CqProcess(Process process)
    {
        _process = process;
        _stdout = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                _lines.Enqueue(line);
            }
        });
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>cq.dll as built beside the repository's Cli project.</summary>
    public static string Dll { get; } = Path.Combine(
        Repository.Root, "src", "ClusterQueue.Cli", "bin",
        typeof(CqProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration, "net10.0", "cq.dll");

    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>Runs cq to its end and returns its exit code, standard output and standard error.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => RunWithInputAsync("", args);

    /// <summary>Runs cq with <paramref name="input"/> typed at it (the interactive prompt), then end of input.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunWithInputAsync(string input, params string[] args)
    {
        using var cq = Start(args);
        await cq._process.StandardInput.WriteAsync(input);
        cq._process.StandardInput.Close();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await cq._process.WaitForExitAsync(limit.Token);
        await cq._stdout;
        return (cq._process.ExitCode, string.Join(Environment.NewLine, cq._lines) + (cq._lines.IsEmpty ? "" : Environment.NewLine), await cq._stderr);
    }

    /// <summary>Starts cq and leaves it running (`cluster tail`); its output lines arrive in <see cref="Lines"/>.</summary>
    public static CqProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new CqProcess(Process.Start(start)!);
    }

    /// <summary>SIGINT, as Ctrl-C, and waits for the exit code.</summary>
    public async Task<int> InterruptAsync(TimeSpan timeout)
    {
        Processes.Signal(_process.Id, Processes.Sigint);
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
