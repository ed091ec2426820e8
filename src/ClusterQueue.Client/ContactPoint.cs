using System.Globalization;
using ClusterQueue.Protocol;

namespace ClusterQueue.Client;

/// <summary>A node a client first contacts: host and remoting port, e.g. 127.0.0.1:4053.</summary>
public sealed record ContactPoint(string Host, int Port)
{
    /// <summary>The three localhost seeds that deploy/localhost starts.</summary>
    public static IReadOnlyList<ContactPoint> LocalhostSeeds { get; } =
        [new("127.0.0.1", 4053), new("127.0.0.1", 4054), new("127.0.0.1", 4055)];

    /// <summary>The node's receptionist, which hands out gateway connections.</summary>
    public string ReceptionistPath => $"akka.tcp://{ClusterNames.ActorSystem}@{Host}:{Port}/system/receptionist";

    /// <summary>The node's gateway actor, for what concerns that node itself.</summary>
    public string GatewayPath => $"akka.tcp://{ClusterNames.ActorSystem}@{Host}:{Port}{ClusterNames.GatewayPath}";

    /// <summary>Parses host:port.</summary>
    /// <exception cref="FormatException">The text is not host:port with a port from 1 to 65535.</exception>
    public static ContactPoint Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535
            || Uri.CheckHostName(text[..colon]) == UriHostNameType.Unknown)
        {
            throw new FormatException($"'{text}' is not a contact point: expected host:port with a port from 1 to 65535");
        }

        return new ContactPoint(text[..colon], port);
    }

    public override string ToString() => $"{Host}:{Port}";
}
