using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Hosting;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.Node.Configuration;
using ClusterQueue.Node.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterQueue.Bench;

/// <summary>
/// A one-node cluster started inside the load generator, built by the node's own composition root
/// on free loopback ports and a fresh data folder, so a topic can be driven through its shard
/// region with no client path (gateway or remoting) in between.
/// </summary>
public sealed class OneNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDir;

    private OneNode(WebApplication app, string dataDir)
    {
        _app = app;
        _dataDir = dataDir;
    }

    public IActorRef Topics => ActorRegistry.For(_app.Services.GetRequiredService<ActorSystem>()).Get<TopicRegion>();

    /// <param name="overrides">HOCON that takes precedence over the node's configuration.</param>
    public static async Task<OneNode> StartAsync(string overrides)
    {
        var dataDir = Directory.CreateTempSubdirectory("cq-bench-").FullName;
        var (port, httpPort) = (FreePort(), FreePort());
        var options = NodeOptions.Parse(
            new Dictionary<string, string?>
            {
                ["CQ_PORT"] = port.ToString(CultureInfo.InvariantCulture),
                ["CQ_HTTP_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture),
                ["CQ_SEEDS"] = $"127.0.0.1:{port}",
                ["CQ_DATA_DIR"] = dataDir,
            },
            [],
            dataDir,
            AppContext.BaseDirectory);
        var config = ConfigurationFactory.ParseString(overrides).WithFallback(NodeHocon.Load(options));
        var app = NodeHost.Build(options, config);
        await app.StartAsync();
        var node = new OneNode(app, dataDir);
        var cluster = Cluster.Get(app.Services.GetRequiredService<ActorSystem>());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (cluster.SelfMember.Status != MemberStatus.Up)
        {
            if (DateTime.UtcNow > deadline)
            {
                await node.DisposeAsync();
                throw new TimeoutException("the benchmark node did not come up within 60 s");
            }

            await Task.Delay(100);
        }

        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
