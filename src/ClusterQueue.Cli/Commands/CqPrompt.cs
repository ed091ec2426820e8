using System.Text;

namespace ClusterQueue.Cli.Commands;

/// <summary>
/// cq's interactive mode: a prompt naming the node it talks to, one connection for the whole
/// session, history (up and down arrows) and completion of command names (Tab). Commands that
/// change the cluster or lose data ask before they run.
/// </summary>
public static class CqPrompt
{
    private static readonly string[] Exits = ["exit", "quit"];

    /// <summary>Runs commands read from <paramref name="input"/> until exit or end of input; returns the last command's exit code.</summary>
    /// <param name="sessionArgs">Options given on cq's own command line (-c, --timeout), applied to every command.</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> sessionArgs, TextReader input, TextWriter output, TextWriter error, bool console)
    {
        await using var terminal = new CqTerminal(output, error, question => Ask(question, input, output, console));
        var root = CqCommandLine.Build(terminal);
        var contacts = CqCommandLine.ContactPoints(ContactsIn(sessionArgs));
        var prompt = $"[{contacts[0]}] cq> ";
        var history = new List<string>();
        var exitCode = CqCommandLine.Succeeded;
        while (true)
        {
            await output.WriteAsync(prompt);
            var line = console ? ReadWithEditing(prompt, history, root) : await input.ReadLineAsync();
            if (line is null)
            {
                await output.WriteLineAsync();
                return exitCode;
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (Exits.Contains(line))
            {
                return exitCode;
            }

            history.Add(line);
            var args = Words(line);
            var parse = CqCommandLine.Parse(terminal, [.. args, .. sessionArgs]);
            if (parse.Errors.Count > 0)
            {
                foreach (var problem in parse.Errors)
                {
                    await error.WriteLineAsync($"cq: {problem.Message}");
                }

                exitCode = CqCommandLine.UsageError;
                continue;
            }

            exitCode = await parse.InvokeAsync();
        }
    }

    /// <summary>The words of a command line; double quotes keep spaces in one word.</summary>
    public static IReadOnlyList<string> Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (any)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    any = false;
                }
            }
            else
            {
                word.Append(c);
                any = true;
            }
        }

        if (any)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static string[]? ContactsIn(IReadOnlyList<string> args)
    {
        var contacts = new List<string>();
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] is "-c" or "--contact")
            {
                contacts.Add(args[i + 1]);
            }
        }

        return contacts.Count > 0 ? [.. contacts] : null;
    }

    private static bool Ask(string question, TextReader input, TextWriter output, bool console)
    {
        output.Write($"{question} Go ahead? [y/N] ");
        var answer = console ? Console.ReadLine() : input.ReadLine();
        return answer?.Trim().ToLowerInvariant() is "y" or "yes";
    }

    /// <summary>A line from the console with history (up, down) and command completion (Tab).</summary>
    private static string? ReadWithEditing(string prompt, List<string> history, System.CommandLine.Command root)
    {
        var line = new StringBuilder();
        var recalled = history.Count;
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    return line.ToString();
                case ConsoleKey.Backspace when line.Length > 0:
                    line.Length--;
                    break;
                case ConsoleKey.UpArrow when recalled > 0:
                    line.Clear().Append(history[--recalled]);
                    break;
                case ConsoleKey.DownArrow when recalled < history.Count:
                    recalled++;
                    line.Clear().Append(recalled < history.Count ? history[recalled] : "");
                    break;
                case ConsoleKey.Tab:
                    var candidates = CqCompletion.Candidates(root, line.ToString());
                    if (candidates.Count > 1)
                    {
                        Console.WriteLine();
                        Console.WriteLine(string.Join("  ", candidates));
                    }

                    var completed = CqCompletion.Complete(root, line.ToString());
                    line.Clear().Append(completed);
                    break;
                case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control) && line.Length == 0:
                    return null;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        line.Append(key.KeyChar);
                    }

                    break;
            }

            // Redraw the whole line: simple, and right after any edit.
            Console.Write($"\r{prompt}{line}\u001b[K");
        }
    }
}
