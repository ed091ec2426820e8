using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.Http.Json;
using ClusterQueue.Client;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Membership;

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

    /// <summary>
    /// Waits until the node answers ready (an Up member) and sees the same Up members as another
    /// running broker: a node that formed a cluster of its own is ready too, and that cluster would
    /// run the same topics over the same journal.
    /// </summary>
    private async Task WaitUntilReadyAsync(Node node, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var ready = false;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var answer = await _http.GetAsync(new Uri($"http://127.0.0.1:{node.HttpPort}/health/ready"));
                ready = answer.IsSuccessStatusCode;
                if (ready && await SharesClusterAsync(node))
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

        var log = Path.Combine(_runDir, $"node-{node.Index + 1}.log");
        throw new TimeoutException((ready
            ? $"{Describe(node.Index)} is Up but not in the other brokers' cluster after {timeout.TotalSeconds:0} s; see {log}"
            : $"{Describe(node.Index)} was not ready within {timeout.TotalSeconds:0} s; see {log}")
            + $"; it ends:{Environment.NewLine}{Tail(log, LogTailLines)}");
    }

    /// <summary>Lines of a node's log a timeout quotes: the run folder is gone with a CI machine, the runner's output is not.</summary>
    private const int LogTailLines = 60;

    private static string Tail(string file, int lines)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var tail = new Queue<string>(lines);
            while (reader.ReadLine() is { } line)
            {
                if (tail.Count == lines)
                {
                    tail.Dequeue();
                }

                tail.Enqueue(line);
            }

            return string.Join(Environment.NewLine, tail);
        }
        catch (IOException e)
        {
            return $"(unreadable: {e.Message})";
        }
    }

    private async Task<bool> SharesClusterAsync(Node node)
    {
        var others = _nodes.Where(o => o != node && !o.Held && o.Process is { HasExited: false }).ToList();
        if (others.Count == 0)
        {
            return true;
        }

        if (await UpMembersAsync(node) is not { } view)
        {
            return false;
        }

        foreach (var other in others.Where(o => view.Contains(Address(o))))
        {
            if (await UpMembersAsync(other) is { } otherView && otherView.SetEquals(view))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The addresses of the members this node sees Up and reachable; null when it does not answer.</summary>
    private async Task<HashSet<string>?> UpMembersAsync(Node node)
    {
        try
        {
            var members = await _http.GetFromJsonAsync<ClusterMembers>(new Uri($"http://127.0.0.1:{node.HttpPort}/cluster/members"));
            return members?.Members.Where(m => m.Status == "Up" && m.Reachable).Select(m => m.Address).ToHashSet();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string Address(Node node) => $"akka.tcp://{ClusterNames.ActorSystem}@127.0.0.1:{node.Port}";

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
