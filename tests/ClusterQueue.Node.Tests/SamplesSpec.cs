using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.TestSupport;

namespace ClusterQueue.Node.Tests;

/// <summary>The README's hello, world: the two sample programs, run as a user runs them, against two broker nodes.</summary>
[Collection(ClusterNodesTests.Name)]
public sealed class SamplesSpec : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = BrokersAndClient.Timeout;
    private BrokersAndClient _cluster = null!;

    public async Task InitializeAsync() => _cluster = await BrokersAndClient.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task The_hello_producer_sends_hello_world_and_the_hello_consumer_prints_it_and_stops_cleanly_on_SIGTERM()
    {
        var contactPoints = "--ClusterQueue:ContactPoints=" + string.Join(",", _cluster.ContactPoints);
        using var consumer = Sample.Start("HelloConsumer", contactPoints);
        using (var producer = Sample.Start("HelloProducer", contactPoints))
        {
            var exitCode = await producer.ExitCode(Timeout);
            Assert.True(exitCode == 0, $"the producer exited with {exitCode}: {producer.Output}");
            Assert.Equal("", producer.Output);
        }

        await Eventually.Holds("the consumer prints the message", () => consumer.Output.Contains("Received message: hello, world", StringComparison.Ordinal), Timeout, () => consumer.Output);
        consumer.Terminate();
        var consumerExit = await consumer.ExitCode(Timeout);
        Assert.True(consumerExit == 0, $"the consumer exited with {consumerExit}: {consumer.Output}");
        Assert.Equal("Received message: hello, world", consumer.Output);
    }

    /// <summary>A sample program from src/samples, built beside the tests, in a process of its own.</summary>
    private sealed class Sample : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _output = new();

        private Sample(Process process) => _process = process;

        public string Output => string.Join(Environment.NewLine, _output);

        public static Sample Start(string name, params string[] args)
        {
            var configuration = typeof(SamplesSpec).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
            var dll = Path.Combine(Repository.Root, "src", "samples", name, "bin", configuration, "net10.0", $"{name}.dll");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(dll);
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            var sample = new Sample(new Process { StartInfo = start });
            sample._process.OutputDataReceived += (_, e) => sample.Record(e.Data);
            sample._process.ErrorDataReceived += (_, e) => sample.Record(e.Data);
            sample._process.Start();
            sample._process.BeginOutputReadLine();
            sample._process.BeginErrorReadLine();
            return sample;
        }

        /// <summary>SIGTERM, as Ctrl-C or an orchestrator stops it.</summary>
        public void Terminate()
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }

        public async Task<int> ExitCode(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cancel.Token);
            _process.WaitForExit();
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }

        private void Record(string? line)
        {
            if (!string.IsNullOrEmpty(line))
            {
                _output.Enqueue(line);
            }
        }
    }
}
