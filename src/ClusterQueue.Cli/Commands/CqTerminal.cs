using ClusterQueue.Client;

namespace ClusterQueue.Cli.Commands;

/// <summary>
/// Where cq's commands write, how they ask for confirmation, and the connection they share: one
/// per command line, or one for a whole interactive session.
/// </summary>
public sealed class CqTerminal(TextWriter output, TextWriter error, Func<string, bool>? confirm = null) : IAsyncDisposable
{
    private readonly Dictionary<string, GatewayClient> _clients = [];

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Asks a yes/no question in interactive mode; null otherwise, where changes need --yes.</summary>
    public Func<string, bool>? Confirm { get; } = confirm;

    /// <summary>The connection for these options, opened on first use and kept until the terminal is disposed.</summary>
    public GatewayClient Connect(GatewayClientOptions options)
    {
        var key = $"{string.Join(",", options.ContactPoints)}|{options.RequestTimeout}";
        if (!_clients.TryGetValue(key, out var client))
        {
            client = GatewayClient.Connect(options);
            _clients[key] = client;
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            await client.DisposeAsync();
        }

        _clients.Clear();
    }
}
