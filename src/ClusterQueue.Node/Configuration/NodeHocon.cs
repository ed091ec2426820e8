using Akka.Configuration;
using ClusterQueue.Protocol;

namespace ClusterQueue.Node.Configuration;

/// <summary>Builds the node's Akka configuration: the hocon folder, then the per-node values over it.</summary>
public static class NodeHocon
{
    /// <summary>The files every node loads from the hocon folder; each covers its own part of Akka.</summary>
    public static IReadOnlyList<string> Files { get; } =
        [
            "remote.conf", "cluster.conf", "sharding.conf", "persistence.conf", "topics.conf", "gateway.conf",
            "shutdown.conf", "logging.conf",
        ];

    /// <summary>
    /// ClusterQueue's own keys. Akka falls back to its defaults for a missing akka key, but ours have
    /// none outside hocon/: a hocon folder without one would give a node zero shards or no wait.
    /// </summary>
    public static IReadOnlyList<string> RequiredKeys { get; } =
        [
            "clusterqueue.cluster.first-seed-node-timeout",
            "clusterqueue.topics.shards", "clusterqueue.topics.sqlite-busy-timeout", "clusterqueue.topics.snapshot-every",
            "clusterqueue.topics.group-commit", "clusterqueue.topics.memory-window", "clusterqueue.topics.journal-retry-after",
            "clusterqueue.topics.takeover-fence",
        ];

    /// <exception cref="NodeConfigurationException">A file is missing or is not valid HOCON, or a ClusterQueue key is missing.</exception>
    public static Config Load(NodeOptions options)
    {
        var files = Config.Empty;
        foreach (var file in Files)
        {
            files = files.WithFallback(ParseFile(Path.Combine(options.HoconDir, file)));
        }

        if (options.ConfigFile is not null)
        {
            files = ParseFile(options.ConfigFile).WithFallback(files);
        }

        var missing = RequiredKeys.FirstOrDefault(key => !files.HasPath(key));
        if (missing is not null)
        {
            throw new NodeConfigurationException(missing, $"missing from {options.HoconDir} (hocon/ in the repository sets every ClusterQueue key)");
        }

        return FirstSeedWait(options, PerNode(options).WithFallback(files));
    }

    /// <summary>
    /// On the first seed, seed-node-timeout decides only when it gives up on the other seeds and forms
    /// a cluster of its own; an alive seed that is not a member answers at once, so the full wait
    /// passes only when another seed is down or slow. With the others' 2 s (testing), a restarted
    /// first seed whose running peers answered after 4 s on a loaded machine formed a second
    /// cluster, and both ran the same topics over one journal. So the first seed waits longer.
    /// </summary>
    private static Config FirstSeedWait(NodeOptions options, Config config) =>
        options.IsFirstSeed
            ? ConfigurationFactory.ParseString(
                $"akka.cluster.seed-node-timeout = {(long)config.GetTimeSpan("clusterqueue.cluster.first-seed-node-timeout").TotalMilliseconds}ms").WithFallback(config)
            : config;

    /// <summary>The settings that differ per node, as HOCON that overrides the files.</summary>
    public static Config PerNode(NodeOptions options)
    {
        var seeds = string.Join(", ", options.Seeds.Select(s => HoconText.Quote(s.ToAkkaAddress())));
        var roles = string.Join(", ", options.Roles.Select(HoconText.Quote));
        return ConfigurationFactory.ParseString(
            $$"""
            akka.remote.dot-netty.tcp {
              hostname = {{HoconText.Quote(options.Host)}}
              public-hostname = {{HoconText.Quote(options.PublicHost)}}
              port = {{options.Port}}
            }
            akka.cluster.seed-nodes = [{{seeds}}]
            akka.cluster.roles = [{{roles}}]
            """);
    }

    private static Config ParseFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new NodeConfigurationException(path, "configuration file is missing");
        }

        try
        {
            return ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or IOException)
        {
            throw new NodeConfigurationException(path, $"not valid HOCON: {e.Message}");
        }
    }
}
