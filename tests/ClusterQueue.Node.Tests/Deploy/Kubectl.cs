using System.Diagnostics;
using System.Text.Json.Nodes;
using ClusterQueue.TestSupport;

namespace ClusterQueue.Node.Tests.Deploy;

/// <summary>
/// Renders the kustomize overlays with the real kubectl. Without kubectl the tests that need it
/// are skipped with the reason, except under CI=true, where they run and fail: CI must run everything.
/// </summary>
public static class Kubectl
{
    public static string OverlaysDir => Path.Combine(Repository.Root, "deploy", "k8s", "overlays");

    public static IEnumerable<string> Overlays => Directory.GetDirectories(OverlaysDir).Select(Path.GetFileName).Order()!;

    public static bool IsInstalled { get; } = Run("version", "--client").ExitCode == 0;

    /// <summary>Why kubectl tests are skipped here, or null when they run.</summary>
    public static string? SkipReason =>
        !IsInstalled && Environment.GetEnvironmentVariable("CI") != "true"
            ? "kubectl is not installed (it renders deploy/k8s with kustomize); install it to run these tests"
            : null;

    /// <summary>The documents <c>kubectl kustomize deploy/k8s/overlays/NAME</c> prints.</summary>
    public static IReadOnlyList<JsonObject> Render(string overlay)
    {
        var (exitCode, output, error) = Run("kustomize", Path.Combine(OverlaysDir, overlay));
        return exitCode == 0
            ? Yaml.Documents(output)
            : throw new InvalidOperationException($"kubectl kustomize {overlay} failed (exit {exitCode}): {error}");
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output.Result, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, "", $"kubectl could not be started: {e.Message}");
        }
    }
}

/// <summary>A fact that needs kubectl (<see cref="Kubectl.SkipReason"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute() => Skip = Kubectl.SkipReason;
}

/// <summary>A theory that needs kubectl (<see cref="Kubectl.SkipReason"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute() => Skip = Kubectl.SkipReason;
}
