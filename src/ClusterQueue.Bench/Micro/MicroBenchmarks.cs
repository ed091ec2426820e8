using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace ClusterQueue.Bench.Micro;

/// <summary>Runs the BenchmarkDotNet microbenchmarks of the hot paths with BenchmarkDotNet's own arguments.</summary>
public static class MicroBenchmarks
{
    /// <summary>Our own argument: run each benchmark once, in any build, only to prove it runs (CI).</summary>
    public const string SmokeArgument = "--smoke";

    public static readonly Type[] All = [typeof(TopicStateBenchmarks), typeof(SerializerBenchmarks)];

    /// <summary>
    /// In process (--inProcess), because BenchmarkDotNet's default, a generated project built per
    /// run, would build against this repository's warnings-as-errors and analyzers and needs a
    /// restore; every benchmark is selected unless a --filter is given, since otherwise
    /// BenchmarkDotNet asks on the console.
    /// </summary>
    public static int Run(IReadOnlyList<string> arguments)
    {
        var smoke = arguments.Contains(SmokeArgument);
        var benchmarkArguments = new List<string> { "--inProcess" };
        if (smoke)
        {
            benchmarkArguments.AddRange(["--job", "dry"]);
        }

        if (!arguments.Contains("--filter") && !arguments.Contains("-f"))
        {
            benchmarkArguments.AddRange(["--filter", "*"]);
        }

        benchmarkArguments.AddRange(arguments.Where(a => a != SmokeArgument));
        var config = smoke ? DefaultConfig.Instance.WithOptions(ConfigOptions.DisableOptimizationsValidator) : DefaultConfig.Instance;
        var summaries = BenchmarkSwitcher.FromTypes(All).Run([.. benchmarkArguments], config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
