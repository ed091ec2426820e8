using ClusterQueue.Cli.Commands;

await using var terminal = new CqTerminal(Console.Out, Console.Error);
var parse = CqCommandLine.Parse(terminal, args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"cq: {error.Message}");
    }

    return CqCommandLine.UsageError;
}

return await parse.InvokeAsync();
