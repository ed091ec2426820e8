using System.CommandLine;
using ClusterQueue.Cli.Commands;

string[] helpFlags = ["-h", "--help", "-?", "--version"];
await using var terminal = new CqTerminal(Console.Out, Console.Error);
var parse = CqCommandLine.Parse(terminal, args);

// No command, only options (-c, --timeout): the interactive prompt, with those options for every command.
if (parse.CommandResult.Command is RootCommand && parse.UnmatchedTokens.Count == 0 && !args.Intersect(helpFlags).Any())
{
    return await CqPrompt.RunAsync(args, Console.In, Console.Out, Console.Error, console: !Console.IsInputRedirected);
}

if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"cq: {error.Message}");
    }

    return CqCommandLine.UsageError;
}

return await parse.InvokeAsync();
