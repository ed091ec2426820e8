using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using ClusterQueue.Node.Configuration;
using ClusterQueue.Node.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterQueue.TestSupport;

/// <summary>A node built by the node's own composition root, inside the test process.</summary>
public sealed class InProcessNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessNode(WebApplication app, NodeOptions options)
    {
        _app = app;
        Options = options;
    }

    public NodeOptions Options { get; }

    public ActorSystem System => _app.Services.GetRequiredService<ActorSystem>();

    public Cluster Cluster => Cluster.Get(System);

    /// <summary>Starts a node with the test configuration (fast failure detection), or another HOCON file.</summary>
    /// <param name="settings">More node settings (CQ_* variables), such as the journal's.</param>
    public static async Task<InProcessNode> StartAsync(
        int port,
        int httpPort,
        IEnumerable<int> seedPorts,
        string dataDir,
        string? configFile = null,
        string roles = "broker",
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var environment = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["CQ_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["CQ_HTTP_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["CQ_SEEDS"] = string.Join(",", seedPorts.Select(p => $"127.0.0.1:{p}")),
            ["CQ_DATA_DIR"] = dataDir,
            ["CQ_CONFIG"] = configFile ?? NodeProcess.TestingConfig,
            ["CQ_ROLES"] = roles,
        };
        var options = NodeOptions.Parse(
            environment,
            [],
            dataDir,
            AppContext.BaseDirectory);
        var app = NodeHost.Build(options, NodeHocon.Load(options));
        await app.StartAsync();
        return new InProcessNode(app, options);
    }

    /// <summary>True when this node sees exactly <paramref name="count"/> members, all Up and reachable.</summary>
    public bool SeesOnlyUp(int count)
    {
        var state = Cluster.State;
        return state.Members.Count == count && state.Members.All(m => m.Status == MemberStatus.Up) && state.Unreachable.Count == 0;
    }

    /// <summary>Stops the node as SIGTERM would: coordinated shutdown, leaving the cluster.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
