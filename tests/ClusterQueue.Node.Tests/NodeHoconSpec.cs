using System.Text.RegularExpressions;
using Akka.Configuration;
using ClusterQueue.Node.Configuration;

namespace ClusterQueue.Node.Tests;

public sealed partial class NodeHoconSpec
{
    private static readonly string HoconDir = Path.Combine(AppContext.BaseDirectory, "hocon");

    private static NodeOptions Options(params string[] args) =>
        NodeOptions.Parse(new Dictionary<string, string?>(), args, "/srv/queue", AppContext.BaseDirectory);

    [Fact]
    public void Production_defaults_are_read_key_by_key()
    {
        var config = NodeHocon.Load(Options());

        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal(128000, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
        Assert.Equal(256000, config.GetByteSize("akka.remote.dot-netty.tcp.send-buffer-size"));
        Assert.Equal(256000, config.GetByteSize("akka.remote.dot-netty.tcp.receive-buffer-size"));
        Assert.Equal(TimeSpan.FromSeconds(15), config.GetTimeSpan("akka.remote.dot-netty.tcp.connection-timeout"));

        Assert.Equal(TimeSpan.FromSeconds(30), config.GetTimeSpan("clusterqueue.cluster.first-seed-node-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(5), config.GetTimeSpan("akka.cluster.retry-unsuccessful-join-after"));
        Assert.False(config.GetBoolean("akka.cluster.shutdown-after-unsuccessful-join-seed-nodes"));
        Assert.Equal(1, config.GetInt("akka.cluster.min-nr-of-members"));
        Assert.True(config.GetBoolean("akka.cluster.run-coordinated-shutdown-when-down"));
        Assert.Equal(TimeSpan.FromSeconds(1), config.GetTimeSpan("akka.cluster.failure-detector.heartbeat-interval"));
        Assert.Equal(TimeSpan.FromSeconds(3), config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.Equal(8.0, config.GetDouble("akka.cluster.failure-detector.threshold"));
        Assert.Equal(
            "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster",
            config.GetString("akka.cluster.downing-provider-class"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(TimeSpan.FromSeconds(20), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.GetTimeSpan("akka.cluster.down-removal-margin"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), config.GetTimeSpan("akka.cluster.leader-actions-interval"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), config.GetTimeSpan("akka.cluster.gossip-interval"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), config.GetTimeSpan("akka.cluster.sharding.retry-interval"));
        Assert.True(config.GetBoolean("akka.cluster.split-brain-resolver.down-all-when-unstable"));
        Assert.Equal("broker", config.GetString("akka.cluster.split-brain-resolver.keep-majority.role"));

        Assert.Equal("broker", config.GetString("akka.cluster.sharding.role"));
        Assert.Equal("persistence", config.GetString("akka.cluster.sharding.state-store-mode"));
        Assert.Equal(TimeSpan.FromSeconds(60), config.GetTimeSpan("akka.cluster.sharding.handoff-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(10), config.GetTimeSpan("akka.cluster.sharding.rebalance-interval"));
        Assert.Equal(10, config.GetInt("akka.cluster.sharding.least-shard-allocation-strategy.rebalance-absolute-limit"));
        Assert.Equal(0.34, config.GetDouble("akka.cluster.sharding.least-shard-allocation-strategy.rebalance-relative-limit"));

        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal(32, config.GetInt("clusterqueue.topics.shards"));
        Assert.Equal(TimeSpan.FromSeconds(60), config.GetTimeSpan("clusterqueue.topics.sqlite-busy-timeout"));
        Assert.Equal(1000, config.GetInt("clusterqueue.topics.snapshot-every"));
        Assert.True(config.GetBoolean("clusterqueue.topics.group-commit"));
        Assert.Equal(10_000, config.GetInt("clusterqueue.topics.memory-window"));
        Assert.Equal(TimeSpan.FromSeconds(2), config.GetTimeSpan("clusterqueue.topics.journal-retry-after"));
        Assert.Equal(TimeSpan.FromSeconds(60), config.GetTimeSpan("clusterqueue.topics.takeover-fence"));

        Assert.Equal("broker", config.GetString("akka.cluster.client.receptionist.role"));
        Assert.Equal(3, config.GetInt("akka.cluster.client.receptionist.number-of-contacts"));
        Assert.Equal(TimeSpan.FromSeconds(30), config.GetTimeSpan("akka.cluster.client.receptionist.response-tunnel-receive-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(2), config.GetTimeSpan("akka.cluster.client.receptionist.heartbeat-interval"));
        Assert.Equal(TimeSpan.FromSeconds(13), config.GetTimeSpan("akka.cluster.client.receptionist.acceptable-heartbeat-pause"));

        Assert.Equal(TimeSpan.FromSeconds(5), config.GetTimeSpan("akka.coordinated-shutdown.default-phase-timeout"));
        Assert.True(config.GetBoolean("akka.coordinated-shutdown.terminate-actor-system"));
        Assert.False(config.GetBoolean("akka.coordinated-shutdown.exit-clr"));
        Assert.True(config.GetBoolean("akka.coordinated-shutdown.run-by-clr-shutdown-hook"));
        Assert.Equal(
            TimeSpan.FromSeconds(20),
            config.GetTimeSpan("akka.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout"));
        Assert.Equal(TimeSpan.FromSeconds(10), config.GetTimeSpan("akka.coordinated-shutdown.phases.cluster-exiting.timeout"));

        Assert.Equal("INFO", config.GetString("akka.loglevel"));
        Assert.False(config.GetBoolean("akka.log-config-on-start"));
        Assert.Equal(10, config.GetInt("akka.log-dead-letters"));
        Assert.False(config.GetBoolean("akka.log-dead-letters-during-shutdown"));
    }

    [Fact]
    public void Per_node_values_override_the_files()
    {
        var config = NodeHocon.Load(Options(
            "--host", "0.0.0.0", "--public-host", "queue-1.queue", "--port", "5001",
            "--seeds", "queue-0.queue:5001,queue-1.queue:5001,queue-2.queue:5001", "--roles", "broker,client"));

        Assert.Equal("0.0.0.0", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal("queue-1.queue", config.GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal(5001, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(
            [
                "akka.tcp://ClusterQueue@queue-0.queue:5001",
                "akka.tcp://ClusterQueue@queue-1.queue:5001",
                "akka.tcp://ClusterQueue@queue-2.queue:5001",
            ],
            config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(["broker", "client"], config.GetStringList("akka.cluster.roles"));
    }

    [Fact]
    public void Only_the_first_seed_waits_the_first_seed_timeout_before_forming_a_cluster()
    {
        const string seeds = "127.0.0.1:4053,127.0.0.1:4054,127.0.0.1:4055";

        var first = NodeHocon.Load(Options("--port", "4053", "--seeds", seeds));
        var second = NodeHocon.Load(Options("--port", "4054", "--seeds", seeds));
        var loneSeed = NodeHocon.Load(Options("--port", "4053", "--seeds", "127.0.0.1:4053"));
        var testingFirst = NodeHocon.Load(Options("--port", "4053", "--seeds", seeds, "--config", Path.Combine(HoconDir, "testing.conf")));

        Assert.Equal(TimeSpan.FromSeconds(30), first.GetTimeSpan("akka.cluster.seed-node-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(5), second.GetTimeSpan("akka.cluster.seed-node-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(5), loneSeed.GetTimeSpan("akka.cluster.seed-node-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(20), testingFirst.GetTimeSpan("akka.cluster.seed-node-timeout"));
    }

    [Fact]
    public void The_testing_file_shortens_failure_detection_and_keeps_the_rest()
    {
        var config = NodeHocon.Load(Options("--config", Path.Combine(HoconDir, "testing.conf")));

        Assert.Equal(TimeSpan.FromSeconds(3), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.GetTimeSpan("akka.cluster.down-removal-margin"));
        Assert.Equal(TimeSpan.FromMilliseconds(2500), config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), config.GetTimeSpan("akka.cluster.failure-detector.heartbeat-interval"));
        Assert.Equal(TimeSpan.FromSeconds(1), config.GetTimeSpan("akka.cluster.retry-unsuccessful-join-after"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal("broker", config.GetString("akka.cluster.split-brain-resolver.keep-majority.role"));
    }

    [Fact]
    public void A_missing_configuration_file_is_named()
    {
        var folder = Directory.CreateTempSubdirectory("cq-hocon-").FullName;
        try
        {
            var error = Assert.Throws<NodeConfigurationException>(() => NodeHocon.Load(Options("--hocon-dir", folder)));

            Assert.Equal(Path.Combine(folder, "remote.conf"), error.Key);
            Assert.Equal("configuration file is missing", error.Problem);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_missing_ClusterQueue_key_is_named()
    {
        var folder = Directory.CreateTempSubdirectory("cq-hocon-").FullName;
        try
        {
            foreach (var file in NodeHocon.Files)
            {
                File.Copy(Path.Combine(HoconDir, file), Path.Combine(folder, file));
            }

            var topics = Path.Combine(folder, "topics.conf");
            File.WriteAllLines(topics, File.ReadAllLines(topics).Where(l => !l.TrimStart().StartsWith("journal-retry-after", StringComparison.Ordinal)));

            var error = Assert.Throws<NodeConfigurationException>(() => NodeHocon.Load(Options("--hocon-dir", folder)));

            Assert.Equal("clusterqueue.topics.journal-retry-after", error.Key);
            Assert.Contains(folder, error.Problem, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Every_ClusterQueue_key_in_the_hocon_folder_is_required()
    {
        var config = NodeHocon.Load(Options());

        var shipped = Leaves(config.GetConfig("clusterqueue"), "clusterqueue");

        Assert.Equal(shipped.Order(StringComparer.Ordinal), NodeHocon.RequiredKeys.Order(StringComparer.Ordinal));
    }

    private static IEnumerable<string> Leaves(Config config, string path) =>
        config.AsEnumerable().SelectMany(pair => pair.Value.IsObject()
            ? Leaves(config.GetConfig(pair.Key), $"{path}.{pair.Key}")
            : [$"{path}.{pair.Key}"]);

    [Fact]
    public void An_invalid_configuration_file_is_named()
    {
        var file = Path.Combine(Path.GetTempPath(), $"cq-broken-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, "akka.cluster.roles = ${undefined-roles}");
        try
        {
            var error = Assert.Throws<NodeConfigurationException>(() => NodeHocon.Load(Options("--config", file)));

            Assert.Equal(file, error.Key);
            Assert.StartsWith("not valid HOCON", error.Problem, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Every_key_in_the_hocon_folder_is_commented_with_its_default()
    {
        var undocumented = new List<string>();
        foreach (var path in Directory.GetFiles(HoconDir, "*.conf"))
        {
            // testing.conf overrides production values, so each of its keys names the production one.
            var marker = Path.GetFileName(path) == "testing.conf" ? "Production:" : "Default:";
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                if (!KeyLine().IsMatch(lines[i]))
                {
                    continue;
                }

                var comment = lines.Take(i).Reverse()
                    .TakeWhile(l => l.TrimStart().StartsWith('#'))
                    .ToList();
                if (!comment.Any(l => l.Contains(marker, StringComparison.Ordinal)))
                {
                    undocumented.Add($"{Path.GetFileName(path)}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.Empty(undocumented);
    }

    [Fact]
    public void Every_file_in_the_hocon_folder_parses()
    {
        foreach (var path in Directory.GetFiles(HoconDir, "*.conf"))
        {
            Assert.False(ConfigurationFactory.ParseString(File.ReadAllText(path)).IsEmpty, path);
        }
    }

    [GeneratedRegex(@"^\s*[A-Za-z][\w.-]*\s*=")]
    private static partial Regex KeyLine();
}
