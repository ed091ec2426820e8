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

    /// <exception cref="NodeConfigurationException">A file is missing or is not valid HOCON.</exception>
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

        return PerNode(options).WithFallback(files);
    }

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
