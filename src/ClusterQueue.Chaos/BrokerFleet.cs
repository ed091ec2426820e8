using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ClusterQueue.Client;

namespace ClusterQueue.Chaos;

/// <summary>
/// The broker node processes of the run, on 127.0.0.1 with ports chosen at start, sharing one data
/// folder; the first three are the seeds. Like an orchestrator, it restarts a node that exited
/// (killed, or downed by the split-brain resolver) unless the runner holds it.
/// </summary>
public sealed class BrokerFleet : IAsyncDisposable
{
    private readonly string _runDir;
    private readonly IReadOnlyDictionary<string, string> _journal;
    private readonly Node[] _nodes;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly CancellationTokenSource _stop = new();
    private Task _watchdog = Task.CompletedTask;

    private BrokerFleet(string runDir, int count, IReadOnlyDictionary<string, string> journal)
    {
        _runDir = runDir;
        _journal = journal;
        var ports = FreePorts(count * 2);
        _nodes = [.. Enumerable.Range(0, count).Select(i => new Node(i, ports[i], ports[count + i]))];
    }

    public int Count => _nodes.Length;

    /// <summary>Restarts of nodes that exited on their own or were killed.</summary>
    public int Restarts { get; private set; }

    public IReadOnlyList<ContactPoint> ContactPoints => [.. _nodes.Select(n => new ContactPoint("127.0.0.1", n.Port))];

    public string DataDir => Path.Combine(_runDir, "data");

    /// <param name="journal">Journal settings every node gets (CQ_JOURNAL_*); none for the SQLite default.</param>
    public static async Task<BrokerFleet> StartAsync(string runDir, int count, IReadOnlyDictionary<string, string> journal, TimeSpan timeout)
    {
        var fleet = new BrokerFleet(runDir, count, journal);
        Directory.CreateDirectory(fleet.DataDir);
        foreach (var node in fleet._nodes)
        {
            fleet.Start(node);
        }

        await fleet.WaitUntilAllReadyAsync(timeout);
        fleet._watchdog = fleet.WatchAsync(fleet._stop.Token);
        return fleet;
    }

    public string Describe(int index) => $"broker {index + 1} (127.0.0.1:{_nodes[index].Port})";

    public void Kill(int index) => Signal(_nodes[index], "KILL");

    public void Pause(int index)
    {
        _nodes[index].Held = true;
        Signal(_nodes[index], "STOP");
    }

    public void Resume(int index)
    {
        Signal(_nodes[index], "CONT");
        _nodes[index].Held = false;
    }

    /// <summary>SIGTERM, waits for the node to leave and exit, starts it again and waits until it is Up.</summary>
    public async Task RestartGracefullyAsync(int index, TimeSpan timeout)
    {
        var node = _nodes[index];
        node.Held = true;
        try
        {
            Signal(node, "TERM");
            using var cancel = new CancellationTokenSource(timeout);
            await node.Process!.WaitForExitAsync(cancel.Token);
            Start(node);
            await WaitUntilReadyAsync(node, timeout);
        }
        finally
        {
            node.Held = false;
        }
    }

    /// <summary>Waits until every node answers ready (an Up member).</summary>
    /// <exception cref="TimeoutException">Not all were ready in time.</exception>
    public async Task WaitUntilAllReadyAsync(TimeSpan timeout)
    {
        foreach (var node in _nodes)
        {
            await WaitUntilReadyAsync(node, timeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watchdog;
        foreach (var node in _nodes.Where(n => n.Process is { HasExited: false }))
        {
            Signal(node, "CONT");
            node.Process!.Kill(entireProcessTree: true);
            await node.Process.WaitForExitAsync();
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private void Start(Node node)
    {
        var seeds = string.Join(",", _nodes.Take(3).Select(n => $"127.0.0.1:{n.Port}"));
        var log = Path.Combine(_runDir, $"node-{node.Index + 1}.log");
        var start = new ProcessStartInfo("bash") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec dotnet \"$0\" >> \"$1\" 2>&1");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ClusterQueue.Node.dll"));
        start.ArgumentList.Add(log);
        start.Environment["CQ_PORT"] = node.Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["CQ_HTTP_PORT"] = node.HttpPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["CQ_SEEDS"] = seeds;
        start.Environment["CQ_DATA_DIR"] = DataDir;
        start.Environment["CQ_CONFIG"] = Path.Combine(AppContext.BaseDirectory, "hocon", "testing.conf");
        foreach (var (name, value) in _journal)
        {
            start.Environment[name] = value;
        }
        node.Process?.Dispose();
        node.Process = Process.Start(start)!;
    }

    private async Task WatchAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            foreach (var node in _nodes.Where(n => !n.Held && n.Process!.HasExited))
            {
                Restarts++;
                Start(node);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WaitUntilReadyAsync(Node node, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var answer = await _http.GetAsync(new Uri($"http://127.0.0.1:{node.HttpPort}/health/ready"));
                if (answer.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or busy: ask again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        throw new TimeoutException($"{Describe(node.Index)} was not ready within {timeout.TotalSeconds:0} s; see {_runDir}/node-{node.Index + 1}.log");
    }

    private static void Signal(Node node, string signal)
    {
        if (node.Process is { HasExited: false } process)
        {
            using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    private sealed class Node(int index, int port, int httpPort)
    {
        public int Index { get; } = index;

        public int Port { get; } = port;

        public int HttpPort { get; } = httpPort;

        public Process? Process { get; set; }

        /// <summary>The runner is stopping or restarting it: the watchdog leaves it alone.</summary>
        public volatile bool Held;
    }
}
