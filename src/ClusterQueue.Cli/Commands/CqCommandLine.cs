using System.CommandLine;
using ClusterQueue.Client;

namespace ClusterQueue.Cli.Commands;

/// <summary>The cq command tree. Exit codes: 0 done, 1 the cluster did not answer, 2 bad usage.</summary>
public static class CqCommandLine
{
    public const int Succeeded = 0;
    public const int ClusterUnreachable = 1;
    public const int UsageError = 2;

    /// <summary>Environment variable that lists contact points when --contact is not given.</summary>
    public const string ContactsVariable = "CQ_CONTACTS";

    public static RootCommand Build(TextWriter output, TextWriter error)
    {
        var contacts = new Option<string[]>("--contact", "-c")
        {
            Description = $"Node to contact first, host:port; repeat or comma-separate for several. Default: ${ContactsVariable}, else the localhost seeds {string.Join(",", ContactPoint.LocalhostSeeds)}.",
            Recursive = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for the cluster to answer.",
            Recursive = true,
            DefaultValueFactory = _ => 10,
        };
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts instead of a table." };

        var show = new Command("show", "One line per member: address | roles | status | version.") { json };
        show.SetAction(async (parse, cancel) =>
        {
            if (ConnectOptions(parse.GetValue(contacts), parse.GetValue(timeout), error) is not { } options)
            {
                return UsageError;
            }

            await using var client = GatewayClient.Connect(options);
            try
            {
                var members = await client.GetClusterMembersAsync(cancel);
                await output.WriteLineAsync(parse.GetValue(json) ? ClusterShowView.RenderJson(members) : ClusterShowView.Render(members));
                return Succeeded;
            }
            catch (ClusterUnreachableException e)
            {
                await error.WriteLineAsync($"cq: {e.Message}");
                return ClusterUnreachable;
            }
        });

        var cluster = new Command("cluster", "Cluster membership, as Petabridge.Cmd's cluster commands.") { show };
        return new RootCommand("cq: watch and steer a ClusterQueue cluster.") { contacts, timeout, cluster };
    }

    private static GatewayClientOptions? ConnectOptions(string[]? given, double timeoutSeconds, TextWriter error)
    {
        var texts = given is { Length: > 0 }
            ? given
            : Environment.GetEnvironmentVariable(ContactsVariable) is { Length: > 0 } fromEnvironment ? [fromEnvironment] : [];
        try
        {
            var points = texts
                .SelectMany(t => t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                .Select(ContactPoint.Parse)
                .ToList();
            if (timeoutSeconds <= 0)
            {
                error.WriteLine($"cq: --timeout must be more than 0 seconds, not {timeoutSeconds}");
                return null;
            }

            return new GatewayClientOptions
            {
                ContactPoints = points.Count > 0 ? points : ContactPoint.LocalhostSeeds,
                RequestTimeout = TimeSpan.FromSeconds(timeoutSeconds),
            };
        }
        catch (FormatException e)
        {
            error.WriteLine($"cq: {e.Message}");
            return null;
        }
    }
}
