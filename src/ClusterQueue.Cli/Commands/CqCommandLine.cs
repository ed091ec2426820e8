using System.CommandLine;
using ClusterQueue.Client;
using ClusterQueue.Protocol;

namespace ClusterQueue.Cli.Commands;

/// <summary>
/// The cq command tree. Exit codes: 0 done, 1 the cluster did not answer, 2 bad usage (or a
/// change not confirmed), 3 the cluster refused (unknown member, topic or region).
/// </summary>
public static class CqCommandLine
{
    public const int Succeeded = 0;
    public const int ClusterUnreachable = 1;
    public const int UsageError = 2;
    public const int Refused = 3;

    /// <summary>Environment variable that lists contact points when --contact is not given.</summary>
    public const string ContactsVariable = "CQ_CONTACTS";

    public static RootCommand Build(CqTerminal terminal)
    {
        var global = new GlobalOptions(
            new Option<string[]>("--contact", "-c")
            {
                Description = $"Node to contact first, host:port; repeat or comma-separate for several. Default: ${ContactsVariable}, else the localhost seeds {string.Join(",", ContactPoint.LocalhostSeeds)}.",
                Recursive = true,
                AllowMultipleArgumentsPerToken = true,
            },
            new Option<double>("--timeout")
            {
                Description = "Seconds to wait for the cluster to answer.",
                Recursive = true,
                DefaultValueFactory = _ => 10,
            });
        var context = new CommandContext(terminal, global);
        return new RootCommand("cq: watch and steer a ClusterQueue cluster.")
        {
            global.Contacts,
            global.Timeout,
            ClusterCommandSet.Cluster(context),
            ClusterCommandSet.Sharding(context),
            QueueCommandSet.Topics(context),
            QueueCommandSet.Top(context),
            QueueCommandSet.Topic(context),
            QueueCommandSet.Group(context),
            QueueCommandSet.Peek(context),
            QueueCommandSet.Purge(context),
            QueueCommandSet.DeadLetters(context),
            QueueCommandSet.Publish(context),
            QueueCommandSet.Consume(context),
        };
    }

    /// <summary>
    /// Parses a command line. An argument starting with @ is a file to publish (publish's @path),
    /// not a response file of more arguments, as System.CommandLine would read it by default.
    /// </summary>
    public static ParseResult Parse(CqTerminal terminal, IReadOnlyList<string> args) =>
        Build(terminal).Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    /// <summary>The contact points the command line names, else the environment's, else the localhost seeds.</summary>
    public static IReadOnlyList<ContactPoint> ContactPoints(string[]? given)
    {
        var texts = given is { Length: > 0 }
            ? given
            : Environment.GetEnvironmentVariable(ContactsVariable) is { Length: > 0 } fromEnvironment ? [fromEnvironment] : [];
        var points = texts
            .SelectMany(t => t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Select(ContactPoint.Parse)
            .ToList();
        return points.Count > 0 ? points : ContactPoint.LocalhostSeeds;
    }

    internal sealed record GlobalOptions(Option<string[]> Contacts, Option<double> Timeout);
}

/// <summary>What every command needs: the terminal, and how to reach the cluster.</summary>
internal sealed class CommandContext(CqTerminal terminal, CqCommandLine.GlobalOptions global)
{
    public CqTerminal Terminal { get; } = terminal;

    public TextWriter Output => Terminal.Output;

    public TextWriter Error => Terminal.Error;

    /// <summary>Runs <paramref name="run"/> with a connection, turning an unanswered request into exit code 1.</summary>
    public async Task<int> WithClientAsync(ParseResult parse, Func<GatewayClient, Task<int>> run)
    {
        if (await OptionsAsync(parse) is not { } options)
        {
            return CqCommandLine.UsageError;
        }

        try
        {
            return await run(Terminal.Connect(options));
        }
        catch (ClusterUnreachableException e)
        {
            await Error.WriteLineAsync($"cq: {e.Message}");
            return CqCommandLine.ClusterUnreachable;
        }
    }

    /// <summary>Runs <paramref name="run"/> with an application client (publish, consume), in gateway mode.</summary>
    public async Task<int> WithQueueClientAsync(ParseResult parse, Func<QueueClient, Task<int>> run, CancellationToken cancel)
    {
        if (await OptionsAsync(parse) is not { } options)
        {
            return CqCommandLine.UsageError;
        }

        try
        {
            await using var client = await QueueClient.ConnectAsync(
                new QueueClientOptions { Mode = ConnectionMode.Gateway, ContactPoints = options.ContactPoints, RequestTimeout = options.RequestTimeout },
                cancel);
            return await run(client);
        }
        catch (ClusterUnreachableException e)
        {
            await Error.WriteLineAsync($"cq: {e.Message}");
            return CqCommandLine.ClusterUnreachable;
        }
    }

    /// <summary>The contact points a command line names (already checked by the command's connection).</summary>
    public IReadOnlyList<ContactPoint> ContactPoints(ParseResult parse) => CqCommandLine.ContactPoints(parse.GetValue(global.Contacts));

    private async Task<GatewayClientOptions?> OptionsAsync(ParseResult parse)
    {
        try
        {
            var timeout = parse.GetValue(global.Timeout);
            if (timeout <= 0)
            {
                await UsageAsync($"--timeout must be more than 0 seconds, not {timeout}");
                return null;
            }

            return new GatewayClientOptions
            {
                ContactPoints = CqCommandLine.ContactPoints(parse.GetValue(global.Contacts)),
                RequestTimeout = TimeSpan.FromSeconds(timeout),
            };
        }
        catch (FormatException e)
        {
            await UsageAsync(e.Message);
            return null;
        }
    }

    /// <summary>
    /// Whether a change that cannot be undone may go ahead: --yes, or a yes at the interactive prompt.
    /// Without either it is refused with a line saying so.
    /// </summary>
    public async Task<bool> ConfirmedAsync(bool yes, string question)
    {
        if (yes)
        {
            return true;
        }

        if (Terminal.Confirm is { } ask)
        {
            return ask(question);
        }

        await Error.WriteLineAsync($"cq: {question} Add --yes to confirm.");
        return false;
    }

    public async Task<int> UsageAsync(string problem)
    {
        await Error.WriteLineAsync($"cq: {problem}");
        return CqCommandLine.UsageError;
    }

    public async Task<int> RefusedAsync(string reason)
    {
        await Error.WriteLineAsync($"cq: {reason}");
        return CqCommandLine.Refused;
    }

    public async Task<int> UnexpectedAsync(IClusterQueueMessage answer)
    {
        await Error.WriteLineAsync($"cq: the cluster answered {answer.GetType().Name}, which this version of cq does not understand");
        return CqCommandLine.Refused;
    }
}
