using ClusterQueue.Cli.Commands;

var parse = CqCommandLine.Build(Console.Out, Console.Error).Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"cq: {error.Message}");
    }

    return CqCommandLine.UsageError;
}

return await parse.InvokeAsync();
