using System.Collections.Concurrent;
using System.Diagnostics;

namespace ClusterQueue.TestSupport;

/// <summary>The real ClusterQueue.Node executable, started as an OS process on loopback.</summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private NodeProcess(Process process, int port, int httpPort)
    {
        _process = process;
        Port = port;
        HttpPort = httpPort;
        Http = new NodeHttp(httpPort);
    }

    public int Port { get; }

    public int HttpPort { get; }

    public NodeHttp Http { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The process's resident memory now (VmRSS), in bytes; 0 once it has exited.</summary>
    public long ResidentBytes
    {
        get
        {
            try
            {
                var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
            catch (IOException)
            {
                return 0;
            }
        }
    }

    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>The node's executable, copied beside the tests by the project reference.</summary>
    public static string NodeDll => Path.Combine(AppContext.BaseDirectory, "ClusterQueue.Node.dll");

    /// <summary>The fast failure detection every cluster test uses.</summary>
    public static string TestingConfig => Path.Combine(AppContext.BaseDirectory, "hocon", "testing.conf");

    public static NodeProcess Start(int port, int httpPort, IEnumerable<int> seedPorts, string dataDir, params string[] args) =>
        StartWithEnvironment(
            new Dictionary<string, string>
            {
                ["CQ_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["CQ_HTTP_PORT"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["CQ_SEEDS"] = string.Join(",", seedPorts.Select(p => $"127.0.0.1:{p}")),
                ["CQ_DATA_DIR"] = dataDir,
                ["CQ_CONFIG"] = TestingConfig,
            },
            port,
            httpPort,
            args: args);

    /// <summary>
    /// A node given exactly these environment variables (besides the test process's own), as a
    /// container or pod would give them.
    /// </summary>
    /// <param name="nodeDll">The node's executable; by default the one beside the tests.</param>
    /// <param name="workingDirectory">Where it runs; by default the test's own.</param>
    public static NodeProcess StartWithEnvironment(
        IReadOnlyDictionary<string, string> environment,
        int port,
        int httpPort,
        string? nodeDll = null,
        string? workingDirectory = null,
        params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(nodeDll ?? NodeDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        var node = new NodeProcess(process, port, httpPort);
        process.OutputDataReceived += (_, e) => node.Record(e.Data);
        process.ErrorDataReceived += (_, e) => node.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>SIGKILL: the node dies without leaving, as on a machine crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>SIGTERM: what an orchestrator sends to stop a node gracefully.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            Processes.Signal(_process.Id, Processes.Sigterm);
        }
    }

    /// <summary>SIGSTOP: the node freezes, as under a long GC pause or a stalled VM; others see it unreachable.</summary>
    public void Pause() => Processes.Signal(_process.Id, Processes.Sigstop);

    /// <summary>SIGCONT: a paused node runs on.</summary>
    public void Resume() => Processes.Signal(_process.Id, Processes.Sigcont);

    /// <summary>Waits for the process to end and returns its exit code.</summary>
    public async Task<int> ExitCode(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public void Dispose()
    {
        Kill();
        Http.Dispose();
        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
