using System.Globalization;
using ClusterQueue.Protocol;
using Npgsql;

namespace ClusterQueue.Node.Configuration;

public enum JournalProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>A seed node's address; every node is given the same list.</summary>
public sealed record SeedAddress(string Host, int Port)
{
    public string ToAkkaAddress() => $"akka.tcp://{ClusterNames.ActorSystem}@{Host}:{Port}";

    public override string ToString() => $"{Host}:{Port}";
}

/// <summary>
/// The values that differ per node, validated. Read from environment variables, overridden by
/// command-line options; everything else comes from the HOCON files.
/// </summary>
public sealed record NodeOptions
{
    public required string Host { get; init; }

    public required int Port { get; init; }

    public required string PublicHost { get; init; }

    public required IReadOnlyList<SeedAddress> Seeds { get; init; }

    public required IReadOnlyList<string> Roles { get; init; }

    public required int HttpPort { get; init; }

    /// <summary>Absolute path of the data folder.</summary>
    public required string DataDir { get; init; }

    public required JournalProvider JournalProvider { get; init; }

    /// <summary>The PostgreSQL connection string; null on SQLite, whose journals are files in <see cref="DataDir"/>.</summary>
    public string? JournalConnectionString { get; init; }

    /// <summary>Absolute path of an extra HOCON file layered over the hocon folder, if any.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Absolute path of the folder holding the node's HOCON files.</summary>
    public required string HoconDir { get; init; }

    /// <summary>The node's address as other members see it, host:port.</summary>
    public string Address => $"{PublicHost}:{Port}";

    /// <summary>This node heads the seed list: the one node that may form a new cluster.</summary>
    public bool IsFirstSeed => Seeds.Count > 1 && Seeds[0] == new SeedAddress(PublicHost, Port);

    /// <summary>Reads and validates the per-node settings.</summary>
    /// <param name="environment">Environment variables (only the CQ_* ones are read).</param>
    /// <param name="args">Command-line arguments: <c>--option value</c> or <c>--option=value</c>.</param>
    /// <param name="workingDirectory">Relative paths are taken from here.</param>
    /// <param name="appDirectory">The executable's folder, where the hocon folder ships.</param>
    /// <exception cref="NodeConfigurationException">A value is missing or invalid; the message names it.</exception>
    public static NodeOptions Parse(
        IReadOnlyDictionary<string, string?> environment,
        IReadOnlyList<string> args,
        string workingDirectory,
        string appDirectory)
    {
        var given = ReadCommandLine(args);
        string? Raw(NodeSetting setting)
        {
            var value = given.TryGetValue(setting, out var fromArgs)
                ? fromArgs
                : environment.GetValueOrDefault(setting.EnvironmentVariable);
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }

        var host = ParseHost(NodeSetting.Host, Raw(NodeSetting.Host) ?? NodeSetting.Host.Default);
        var publicHostRaw = Raw(NodeSetting.PublicHost) ?? PodDnsName(Raw);
        if (publicHostRaw is null && IsWildcard(host))
        {
            throw new NodeConfigurationException(
                NodeSetting.PublicHost.Key,
                $"required when {NodeSetting.Host.EnvironmentVariable} is the wildcard address {host}, which no other node can reach");
        }

        var publicHost = publicHostRaw is null ? host : ParseHost(NodeSetting.PublicHost, publicHostRaw);
        if (IsWildcard(publicHost))
        {
            throw new NodeConfigurationException(
                NodeSetting.PublicHost.Key, $"'{publicHost}' is a wildcard address, which no other node can reach");
        }

        var dataDir = Path.GetFullPath(Raw(NodeSetting.DataDir) ?? NodeSetting.DataDir.Default, workingDirectory);
        var provider = ParseJournalProvider(Raw(NodeSetting.JournalProvider) ?? NodeSetting.JournalProvider.Default);

        return new NodeOptions
        {
            Host = host,
            Port = ParsePort(NodeSetting.Port, Raw(NodeSetting.Port) ?? NodeSetting.Port.Default),
            PublicHost = publicHost,
            Seeds = ParseSeeds(Raw(NodeSetting.Seeds) ?? NodeSetting.Seeds.Default),
            Roles = ParseRoles(Raw(NodeSetting.Roles) ?? NodeSetting.Roles.Default),
            HttpPort = ParsePort(NodeSetting.HttpPort, Raw(NodeSetting.HttpPort) ?? NodeSetting.HttpPort.Default),
            DataDir = dataDir,
            JournalProvider = provider,
            JournalConnectionString = ParseConnectionString(provider, Raw(NodeSetting.JournalConnectionString)),
            ConfigFile = ParseExistingFile(NodeSetting.Config, Raw(NodeSetting.Config), workingDirectory),
            HoconDir = ParseExistingFolder(
                NodeSetting.HoconDir,
                Raw(NodeSetting.HoconDir) ?? Path.Combine(appDirectory, "hocon"),
                workingDirectory),
        };
    }

    private static Dictionary<NodeSetting, string> ReadCommandLine(IReadOnlyList<string> args)
    {
        var byOption = NodeSetting.All.ToDictionary(s => "--" + s.Option, StringComparer.Ordinal);
        var given = new Dictionary<NodeSetting, string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[..equals] : arg;
            if (!byOption.TryGetValue(name, out var setting))
            {
                throw new NodeConfigurationException(
                    arg,
                    name.StartsWith("--", StringComparison.Ordinal)
                        ? $"unknown option; known options: {string.Join(", ", byOption.Keys)}"
                        : "unexpected argument; options are written --name value");
            }

            if (equals > 0)
            {
                given[setting] = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                given[setting] = args[++i];
            }
            else
            {
                throw new NodeConfigurationException(setting.Key, "option given without a value");
            }
        }

        return given;
    }

    /// <summary>
    /// A StatefulSet pod's stable DNS name, the name the other pods' seed lists and the clients use:
    /// remoting drops messages addressed to any name but the node's own. Null off Kubernetes.
    /// </summary>
    private static string? PodDnsName(Func<NodeSetting, string?> raw)
    {
        var pod = raw(NodeSetting.PodName);
        var service = raw(NodeSetting.HeadlessService);
        if (pod is null && service is null)
        {
            return null;
        }

        if (pod is null || service is null)
        {
            var missing = pod is null ? NodeSetting.PodName : NodeSetting.HeadlessService;
            var given = pod is null ? NodeSetting.HeadlessService : NodeSetting.PodName;
            throw new NodeConfigurationException(
                missing.Key, $"required with {given.EnvironmentVariable}: a pod's DNS name is <pod>.<headless service>.<namespace>.svc.<domain>");
        }

        var name = string.Join(
            '.',
            pod,
            service,
            raw(NodeSetting.PodNamespace) ?? NodeSetting.PodNamespace.Default,
            "svc",
            raw(NodeSetting.ClusterDomain) ?? NodeSetting.ClusterDomain.Default);
        return Uri.CheckHostName(name) == UriHostNameType.Dns
            ? name
            : throw new NodeConfigurationException(
                NodeSetting.PodName.Key, $"'{name}', made of the pod name, headless service, namespace and domain, is not a DNS name");
    }

    private static bool IsWildcard(string host) => host is "0.0.0.0" or "::" or "*";

    private static string ParseHost(NodeSetting setting, string value)
    {
        if (value == "*" || Uri.CheckHostName(value) == UriHostNameType.Unknown)
        {
            throw new NodeConfigurationException(setting.Key, $"'{value}' is not a host name or IP address");
        }

        return value;
    }

    private static int ParsePort(NodeSetting setting, string value) =>
        TryParsePort(value, out var port)
            ? port
            : throw new NodeConfigurationException(setting.Key, $"'{value}' is not a port number (0-65535)");

    private static bool TryParsePort(string value, out int port) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;

    private static List<SeedAddress> ParseSeeds(string value)
    {
        var key = NodeSetting.Seeds.Key;
        var seeds = new List<SeedAddress>();
        foreach (var entry in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (entry.Length == 0)
            {
                throw new NodeConfigurationException(key, $"empty entry in '{value}'");
            }

            var hostAndPort = entry;
            const string scheme = "akka.tcp://";
            if (entry.StartsWith(scheme, StringComparison.Ordinal))
            {
                var at = entry.IndexOf('@', StringComparison.Ordinal);
                var system = at < 0 ? "" : entry[scheme.Length..at];
                if (system != ClusterNames.ActorSystem)
                {
                    throw new NodeConfigurationException(
                        key, $"'{entry}' names actor system '{system}'; ClusterQueue nodes are '{ClusterNames.ActorSystem}'");
                }

                hostAndPort = entry[(at + 1)..];
            }
            else if (entry.Contains("://", StringComparison.Ordinal))
            {
                throw new NodeConfigurationException(key, $"'{entry}' is not host:port or akka.tcp://{ClusterNames.ActorSystem}@host:port");
            }

            var colon = hostAndPort.LastIndexOf(':');
            if (colon <= 0
                || !TryParsePort(hostAndPort[(colon + 1)..], out var port)
                || port == 0
                || Uri.CheckHostName(hostAndPort[..colon]) == UriHostNameType.Unknown)
            {
                throw new NodeConfigurationException(key, $"'{entry}' is not host:port with a port from 1 to 65535");
            }

            var seed = new SeedAddress(hostAndPort[..colon], port);
            if (seeds.Contains(seed))
            {
                throw new NodeConfigurationException(key, $"'{seed}' is listed twice");
            }

            seeds.Add(seed);
        }

        return seeds;
    }

    private static List<string> ParseRoles(string value)
    {
        var roles = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(r => r.ToLowerInvariant())
            .Distinct()
            .ToList();
        var unknown = roles.FirstOrDefault(r => !NodeRoles.All.Contains(r));
        if (unknown is not null)
        {
            throw new NodeConfigurationException(
                NodeSetting.Roles.Key, $"unknown role '{unknown}'; known roles: {string.Join(", ", NodeRoles.All)}");
        }

        if (roles.Count == 0)
        {
            throw new NodeConfigurationException(NodeSetting.Roles.Key, "at least one role is needed");
        }

        return roles;
    }

    private static JournalProvider ParseJournalProvider(string value) => value.ToLowerInvariant() switch
    {
        "sqlite" => JournalProvider.Sqlite,
        "postgresql" or "postgres" => JournalProvider.PostgreSql,
        _ => throw new NodeConfigurationException(
            NodeSetting.JournalProvider.Key, $"'{value}' is not a journal provider; use sqlite or postgresql"),
    };

    private static string? ParseConnectionString(JournalProvider provider, string? value)
    {
        var key = NodeSetting.JournalConnectionString.Key;
        if (provider == JournalProvider.Sqlite)
        {
            return value is null
                ? null
                : throw new NodeConfigurationException(
                    key, $"SQLite journals are files in {NodeSetting.DataDir.EnvironmentVariable}, one per shard; a connection string is only for postgresql");
        }

        if (value is null)
        {
            throw new NodeConfigurationException(key, "required when the journal provider is postgresql");
        }

        try
        {
            var npgsql = new NpgsqlConnectionStringBuilder(value);
            return string.IsNullOrEmpty(npgsql.Host)
                ? throw new NodeConfigurationException(key, "the PostgreSQL connection string names no Host")
                : npgsql.ConnectionString;
        }
        catch (ArgumentException e)
        {
            throw new NodeConfigurationException(key, $"not a valid PostgreSQL connection string: {e.Message}");
        }
    }

    private static string? ParseExistingFile(NodeSetting setting, string? value, string workingDirectory)
    {
        if (value is null)
        {
            return null;
        }

        var path = Path.GetFullPath(value, workingDirectory);
        return File.Exists(path)
            ? path
            : throw new NodeConfigurationException(setting.Key, $"file '{path}' does not exist");
    }

    private static string ParseExistingFolder(NodeSetting setting, string value, string workingDirectory)
    {
        var path = Path.GetFullPath(value, workingDirectory);
        return Directory.Exists(path)
            ? path
            : throw new NodeConfigurationException(setting.Key, $"folder '{path}' does not exist");
    }
}
