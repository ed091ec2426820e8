using System.CommandLine;

namespace ClusterQueue.Cli.Commands;

/// <summary>Completion of command names at the interactive prompt.</summary>
public static class CqCompletion
{
    /// <summary>
    /// The command names that can stand where the last word of <paramref name="line"/> is being
    /// typed, after the commands before it; sorted.
    /// </summary>
    public static IReadOnlyList<string> Candidates(Command root, string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var typing = line.Length == 0 || line.EndsWith(' ') ? "" : words[^1];
        var before = typing.Length == 0 ? words : words[..^1];
        var command = root;
        foreach (var word in before)
        {
            if (command.Subcommands.FirstOrDefault(c => c.Name == word) is not { } next)
            {
                return [];
            }

            command = next;
        }

        return command.Subcommands
            .Select(c => c.Name)
            .Where(n => n.StartsWith(typing, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The line with its last word completed as far as every candidate agrees.</summary>
    public static string Complete(Command root, string line)
    {
        var candidates = Candidates(root, line);
        if (candidates.Count == 0)
        {
            return line;
        }

        var common = candidates.Aggregate((a, b) => new string(a.Zip(b).TakeWhile(p => p.First == p.Second).Select(p => p.First).ToArray()));
        var typed = line.Length == 0 || line.EndsWith(' ') ? 0 : line.Split(' ').Last().Length;
        var completed = line[..^typed] + common;
        return candidates.Count == 1 ? completed + " " : completed;
    }
}
