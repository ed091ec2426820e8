using System.Text.Json;

namespace ClusterQueue.Node.Tests.Deploy;

/// <summary>The instructions of deploy/docker/Dockerfile that the tests replay.</summary>
public sealed record Dockerfile(
    IReadOnlyList<string> PublishCommand,
    string PublishOutput,
    string RuntimeWorkdir,
    IReadOnlyDictionary<string, string> Environment,
    string User,
    IReadOnlyList<int> ExposedPorts,
    IReadOnlyList<string> Entrypoint)
{
    public static Dockerfile Read(string path)
    {
        var instructions = Instructions(File.ReadAllLines(path));
        var stages = instructions.Count(i => i.Keyword == "FROM");
        if (stages < 2)
        {
            throw new InvalidDataException($"{path}: expected a multi-stage build, found {stages} FROM");
        }

        var runtime = instructions.SkipWhile(i => i.Keyword != "FROM").Skip(1).SkipWhile(i => i.Keyword != "FROM").ToList();
        var publish = instructions.Single(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet publish", StringComparison.Ordinal));
        var publishWords = publish.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var output = publishWords.SkipWhile(w => w != "-o").Skip(1).First();
        return new Dockerfile(
            publishWords,
            output,
            runtime.Last(i => i.Keyword == "WORKDIR").Arguments,
            runtime.Where(i => i.Keyword == "ENV")
                .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(pair => pair.Split('=', 2))
                .ToDictionary(kv => kv[0], kv => kv[1]),
            runtime.Last(i => i.Keyword == "USER").Arguments,
            runtime.Where(i => i.Keyword == "EXPOSE").SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToList(),
            JsonSerializer.Deserialize<List<string>>(runtime.Single(i => i.Keyword == "ENTRYPOINT").Arguments)!);
    }

    /// <summary>Instructions with their continuation lines joined; comments dropped.</summary>
    private static List<(string Keyword, string Arguments)> Instructions(IEnumerable<string> lines)
    {
        var instructions = new List<(string, string)>();
        var current = "";
        foreach (var line in lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            current += line.TrimEnd('\\').Trim() + " ";
            if (!line.EndsWith('\\'))
            {
                var words = current.Trim().Split(' ', 2);
                instructions.Add((words[0].ToUpperInvariant(), words.Length > 1 ? words[1].Trim() : ""));
                current = "";
            }
        }

        return instructions;
    }
}
