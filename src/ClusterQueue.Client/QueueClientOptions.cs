using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ClusterQueue.Client;

/// <summary>How a <see cref="QueueClient"/> reaches the cluster; bind it from configuration with <see cref="From"/>.</summary>
public sealed record QueueClientOptions
{
    /// <summary>The configuration section the samples and the README use.</summary>
    public const string SectionName = "ClusterQueue";

    /// <summary>Gateway (default) from outside the cluster, or Member to join it with role client.</summary>
    public ConnectionMode Mode { get; init; } = ConnectionMode.Gateway;

    /// <summary>
    /// Broker nodes to contact first (host:port of their remoting): the receptionists in gateway
    /// mode, the seed nodes in member mode. Default: the three localhost seeds.
    /// </summary>
    public IReadOnlyList<ContactPoint> ContactPoints { get; init; } = ContactPoint.LocalhostSeeds;

    /// <summary>Address the nodes use to reach this client: it must be reachable from them.</summary>
    public string ClientHost { get; init; } = "127.0.0.1";

    /// <summary>This client's remoting port; 0 picks a free one.</summary>
    public int ClientPort { get; init; }

    /// <summary>Member mode: the cluster's topic shard count (clusterqueue.topics.shards), which routes topics to shards.</summary>
    public int Shards { get; init; } = 32;

    /// <summary>How long connecting, subscribing and a single request wait for the cluster's answer.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>HOCON laid over the client's Akka configuration, e.g. the cluster's test settings; null for none.</summary>
    public string? Hocon { get; init; }

    /// <summary>
    /// How producers publish; one producer per topic, created on the first publish to it. Its
    /// producer id is replaced by one unique to each client, so two clients never share numbers.
    /// </summary>
    public Producing.ProducerOptions Producer { get; init; } = new();

    /// <summary>
    /// Reads the options from a configuration section (keys as the properties are named; contact
    /// points as an array or a comma-separated list of host:port; times as [d.]hh:mm:ss).
    /// </summary>
    /// <exception cref="ArgumentException">A value is not valid; the message names its key.</exception>
    public static QueueClientOptions From(IConfiguration section)
    {
        var defaults = new QueueClientOptions();
        var options = defaults with
        {
            Mode = Read(section, nameof(Mode), text => Enum.TryParse<ConnectionMode>(text, ignoreCase: true, out var mode) && Enum.IsDefined(mode) ? mode : throw new FormatException("expected Gateway or Member"), defaults.Mode),
            ContactPoints = ReadContactPoints(section) ?? defaults.ContactPoints,
            ClientHost = section[nameof(ClientHost)] ?? defaults.ClientHost,
            ClientPort = Read(section, nameof(ClientPort), text => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture), defaults.ClientPort),
            Shards = Read(section, nameof(Shards), text => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture), defaults.Shards),
            RequestTimeout = Read(section, nameof(RequestTimeout), text => TimeSpan.Parse(text, CultureInfo.InvariantCulture), defaults.RequestTimeout),
            Hocon = section[nameof(Hocon)],
        };
        options.Validate();
        return options;
    }

    /// <exception cref="ArgumentException">The options cannot work; the message says which one and why.</exception>
    public void Validate()
    {
        var problem =
            ContactPoints.Count == 0 ? "ContactPoints: at least one contact point is needed"
            : string.IsNullOrWhiteSpace(ClientHost) ? "ClientHost: must not be empty"
            : ClientPort is < 0 or > 65535 ? $"ClientPort: {ClientPort} is not 0 (any free port) or a port from 1 to 65535"
            : Shards < 1 ? $"Shards: {Shards} is not a shard count of at least 1"
            : RequestTimeout <= TimeSpan.Zero ? $"RequestTimeout: {RequestTimeout} is not a positive time"
            : null;
        if (problem is not null)
        {
            throw new ArgumentException($"ClusterQueue client option {problem}");
        }

        Producer.Validate();
    }

    private static T Read<T>(IConfiguration section, string key, Func<string, T> parse, T fallback)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        try
        {
            return parse(text.Trim());
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"ClusterQueue client option {key}: '{text}' is not valid: {e.Message}", e);
        }
    }

    private static List<ContactPoint>? ReadContactPoints(IConfiguration section)
    {
        var key = nameof(ContactPoints);
        var texts = section[key] is { } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetSection(key).GetChildren().Select(c => c.Value ?? "").ToArray();
        if (texts.Length == 0)
        {
            return null;
        }

        try
        {
            return texts.Select(ContactPoint.Parse).ToList();
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"ClusterQueue client option {key}: {e.Message}", e);
        }
    }
}
