using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using ClusterQueue.Client;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Bench;

/// <summary>
/// A cluster of ClusterQueue.Node processes on loopback, started by the load generator with the
/// shipped configuration (hocon/ beside it), free ports and a fresh data folder, so every node's
/// CPU time and peak memory can be read from /proc.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly string _dataRoot;
    private readonly List<NodeProcess> _nodes;

    private LocalCluster(string dataRoot, List<NodeProcess> nodes)
    {
        _dataRoot = dataRoot;
        _nodes = nodes;
    }

    public IReadOnlyList<NodeProcess> Nodes => _nodes;

    public IReadOnlyList<ContactPoint> ContactPoints => [.. _nodes.Select(n => new ContactPoint("127.0.0.1", n.Port))];

    /// <param name="environment">Extra variables for every node (CQ_JOURNAL_*, CQ_CONFIG, ...).</param>
    /// <param name="logDir">Where each node's output goes, timestamped, as node-&lt;port&gt;.log; null: kept only in memory.</param>
    public static async Task<LocalCluster> StartAsync(int nodes, IReadOnlyDictionary<string, string> environment, TextWriter progress, string? logDir = null)
    {
        var dataRoot = Directory.CreateTempSubdirectory("cq-bench-").FullName;
        var free = FreePorts(nodes * 2);
        var ports = Enumerable.Range(0, nodes).Select(i => (Port: free[2 * i], Http: free[(2 * i) + 1])).ToList();
        var seeds = string.Join(",", ports.Take(Math.Min(3, nodes)).Select(p => $"127.0.0.1:{p.Port}"));
        // One data folder for all, as deploy/localhost/cluster.sh does: a topic whose node dies restarts
        // on another from the same SQLite files (one writer per shard file: the node hosting that shard).
        if (logDir is not null)
        {
            Directory.CreateDirectory(logDir);
        }

        var started = ports.Select(p => NodeProcess.Start(p.Port, p.Http, seeds, dataRoot, environment, logDir)).ToList();
        var cluster = new LocalCluster(dataRoot, started);
        await progress.WriteLineAsync($"starting {nodes} nodes on 127.0.0.1 ({string.Join(", ", ports.Select(p => p.Port))}), data in {dataRoot}");
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await cluster.AllUpAsync())
        {
            if (DateTime.UtcNow > deadline || started.Any(n => n.HasExited))
            {
                var output = string.Join(Environment.NewLine, started.Select(n => n.Output));
                await cluster.DisposeAsync();
                throw new InvalidOperationException($"the benchmark cluster did not come up within 90 s:{Environment.NewLine}{output}");
            }

            await Task.Delay(250);
        }

        return cluster;
    }

    /// <summary>True when every running node sees every running node Up and reachable.</summary>
    public async Task<bool> AllUpAsync()
    {
        var running = _nodes.Where(n => !n.HasExited).ToList();
        var expected = running.Select(n => $"akka.tcp://ClusterQueue@127.0.0.1:{n.Port}").Order(StringComparer.Ordinal).ToList();
        foreach (var node in running)
        {
            var members = await node.MembersAsync();
            if (members is null
                || !members.Members.Select(m => m.Address).Order(StringComparer.Ordinal).SequenceEqual(expected)
                || !members.Members.All(m => m.Status == "Up" && m.Reachable))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The node hosting <paramref name="topic"/> now, and its cluster address.</summary>
    public async Task<(NodeProcess Node, string Address)> HostOfAsync(string topic, CancellationToken cancel)
    {
        await using var gateway = GatewayClient.Connect(new GatewayClientOptions { ContactPoints = ContactPoints, RequestTimeout = TimeSpan.FromSeconds(20) });
        var list = (TopicList)await gateway.RequestAsync(GetTopics.Instance, cancel);
        var address = list.Topics.Single(t => t.Topic == topic).Node;
        return (_nodes.Single(n => address.EndsWith($":{n.Port}", StringComparison.Ordinal)), address);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await Task.Run(() => Directory.Delete(_dataRoot, recursive: true));
    }

    /// <summary>Distinct free ports: each held open until all are chosen, so none is handed out twice.</summary>
    private static List<int> FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Dispose());
        }
    }
}

/// <summary>One node process of a <see cref="LocalCluster"/>.</summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly Queue<string> _output = new();
    private StreamWriter? _log;

    private NodeProcess(Process process, int port, int httpPort, string? logDir)
    {
        _process = process;
        Port = port;
        _log = logDir is null ? null : new StreamWriter(Path.Combine(logDir, $"node-{port}.log"), append: false) { AutoFlush = true };
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(3) };
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines it printed (for a node that failed to start).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    public static NodeProcess Start(int port, int httpPort, string seeds, string dataDir, IReadOnlyDictionary<string, string> environment, string? logDir)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ClusterQueue.Node.dll"));
        start.Environment["CQ_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["CQ_HTTP_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["CQ_SEEDS"] = seeds;
        start.Environment["CQ_DATA_DIR"] = dataDir;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var node = new NodeProcess(process, port, httpPort, logDir);
        process.OutputDataReceived += (_, e) => node.Record(e.Data);
        process.ErrorDataReceived += (_, e) => node.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    public async Task<ClusterMembers?> MembersAsync()
    {
        try
        {
            return await _http.GetFromJsonAsync<ClusterMembers>("/cluster/members");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>CPU time (user + system) the process has used so far, from /proc/[pid]/stat.</summary>
    public TimeSpan CpuTime()
    {
        var stat = ReadProc("stat");
        return stat is null ? TimeSpan.Zero : ProcStat.CpuTime(stat);
    }

    /// <summary>The most resident memory the process has had (VmHWM), in bytes.</summary>
    public long PeakResidentBytes() => StatusBytes("VmHWM:");

    public long ResidentBytes() => StatusBytes("VmRSS:");

    /// <summary>SIGKILL: the node dies without leaving, as on a machine crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        _http.Dispose();
        lock (_output)
        {
            // Output still arriving from the killed process is kept in memory only.
            _log?.Dispose();
            _log = null;
        }
    }

    private long StatusBytes(string field)
    {
        var line = ReadProc("status")?.Split('\n').FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private string? ReadProc(string file)
    {
        try
        {
            return File.ReadAllText($"/proc/{_process.Id}/{file}");
        }
        catch (IOException)
        {
            return null;
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // The receive time: a node's own stamp is in its line, but not in what it prints to stderr.
            _log?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            _output.Enqueue(line);
            if (_output.Count > 200)
            {
                _output.Dequeue();
            }
        }
    }
}
