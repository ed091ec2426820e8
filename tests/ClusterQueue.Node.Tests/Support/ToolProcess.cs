using System.Diagnostics;
using System.Reflection;
using ClusterQueue.TestSupport;

namespace ClusterQueue.Node.Tests.Support;

/// <summary>One of the repository's programs (the chaos runner, the load generator) run to its end as a process.</summary>
public static class ToolProcess
{
    public sealed record Outcome(bool Exited, int ExitCode, string Output, string Error)
    {
        public string ExitText => Exited ? ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none: killed at its time limit";
    }

    /// <summary>The program's dll as built beside the tests' configuration: src/{project}/bin/{configuration}/net10.0/{project}.dll.</summary>
    public static string Dll(string project)
    {
        var configuration = typeof(ToolProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        return Path.Combine(Repository.Root, "src", project, "bin", configuration, "net10.0", $"{project}.dll");
    }

    /// <summary>Runs `dotnet {dll} {args}` until it exits, or kills it (and what it started) after <paramref name="limit"/>.</summary>
    public static async Task<Outcome> RunAsync(string dll, IEnumerable<string> args, TimeSpan limit)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }

        return new Outcome(process.HasExited, process.HasExited ? process.ExitCode : -1, await stdout, await stderr);
    }
}
