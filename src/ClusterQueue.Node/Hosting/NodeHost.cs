using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using Akka.Hosting;
using ClusterQueue.Broker.Gateway;
using ClusterQueue.Broker.Metrics;
using ClusterQueue.Broker.Serialization;
using ClusterQueue.Broker.Topics;
using ClusterQueue.Node.Configuration;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Serialization;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ClusterQueue.Node.Hosting;

/// <summary>The node's composition root: HTTP, logging and the ActorSystem, built in one place.</summary>
public static class NodeHost
{
    /// <summary>Time CoordinatedShutdown gets on SIGTERM: its phases, hand-off included, fit in it.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Builds a node from validated options and its Akka configuration (see <see cref="NodeHocon"/>).</summary>
    public static WebApplication Build(NodeOptions options, Config akkaConfig)
    {
        NodeStdoutLogger.NodeAddress = options.Address;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls($"http://{options.Host}:{options.HttpPort}");
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);

        builder.Logging.ClearProviders();
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging
            .AddConsole(o => o.FormatterName = NodeConsoleFormatter.FormatterName)
            .AddConsoleFormatter<NodeConsoleFormatter, NodeConsoleFormatterOptions>(o => o.NodeAddress = options.Address);

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ClusterNames.ActorSystem, serviceInstanceId: options.Address))
            .WithMetrics(metrics => metrics.AddMeter(BrokerMetrics.MeterName, "System.Runtime").AddPrometheusExporter());

        var akkaLogLevel = Akka.Event.Logging.LogLevelFor(akkaConfig.GetString("akka.loglevel", "INFO"));
        builder.Services.AddAkka(ClusterNames.ActorSystem, akka =>
        {
            akka.AddHocon(akkaConfig.WithFallback(ClusterQueueSerializer.Configuration).WithFallback(TopicEventSerializer.Configuration), HoconAddMode.Prepend);
            akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = akkaLogLevel;
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            });
            if (options.Roles.Contains(NodeRoles.Broker))
            {
                var storage = TopicStorageOf(options, akkaConfig.GetConfig("clusterqueue.topics"));
                storage.PrepareFiles();
                akka.WithClusterQueueTopics(storage, TimeProvider.System).WithClusterQueueGateway();
            }
            else
            {
                // Brokers' receptionists gossip DistributedPubSub to every member: a client member
                // needs its serializer to read it.
                akka.AddHocon(DistributedPubSub.DefaultConfig(), HoconAddMode.Append);
                akka.WithClusterQueueTopicProxy(akkaConfig.GetInt("clusterqueue.topics.shards"));
            }
        });

        var app = builder.Build();
        app.MapNodeEndpoints();
        return app;
    }

    private static TopicStorage TopicStorageOf(NodeOptions options, Config topics)
    {
        var storage = options.JournalProvider switch
        {
            JournalProvider.PostgreSql => TopicStorage.PostgreSql(options.JournalConnectionString!, topics.GetInt("shards")),
            _ => TopicStorage.Sqlite(options.DataDir, topics.GetInt("shards"), topics.GetTimeSpan("sqlite-busy-timeout")),
        };
        return storage with
        {
            SnapshotEvery = topics.GetInt("snapshot-every"),
            GroupCommit = topics.GetBoolean("group-commit"),
            MemoryWindow = topics.GetInt("memory-window"),
            JournalRetryAfter = topics.GetTimeSpan("journal-retry-after"),
            TakeoverFence = topics.GetTimeSpan("takeover-fence"),
        };
    }

    /// <summary>True when the split-brain resolver (or an operator) downed this node.</summary>
    public static bool WasDowned(ActorSystem system) =>
        CoordinatedShutdown.Get(system).ShutdownReason is CoordinatedShutdown.ClusterDowningReason;
}
