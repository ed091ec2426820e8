using System.Globalization;
using ClusterQueue.Client;
using ClusterQueue.Node.Configuration;
using ClusterQueue.TestSupport;

namespace ClusterQueue.Node.Tests;

public sealed class ReadmeSpec
{
    private static readonly string[] ReadmeLines = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));

    [Fact]
    public void The_configuration_table_lists_every_node_setting_with_its_default()
    {
        foreach (var setting in NodeSetting.All)
        {
            var row = Assert.Single(ReadmeLines, l => l.StartsWith($"| `{setting.EnvironmentVariable}` |", StringComparison.Ordinal));
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            Assert.Equal($"`--{setting.Option}`", cells[2]);
            Assert.Equal(setting.Default, cells[3].Trim('`'));
            Assert.Equal(setting.Description, cells[4]);
        }
    }

    [Fact]
    public void The_quickstart_starts_the_localhost_cluster_then_runs_the_tests()
    {
        var commands = ReadmeLines
            .SkipWhile(l => l != "## Quickstart")
            .SkipWhile(l => l != "```bash").Skip(1)
            .TakeWhile(l => l != "```")
            .Select(l => l.Split('#')[0].Trim())
            .ToList();

        Assert.Equal(["deploy/localhost/cluster.sh start", "dotnet test ClusterQueue.sln"], commands);
        Assert.Contains("dotnet test ClusterQueue.sln", File.ReadAllText(Path.Combine(Repository.Root, ".ci", "run")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_client_options_table_lists_every_configuration_key_with_its_default()
    {
        var rows = ReadmeLines
            .SkipWhile(l => l != "| Key | Default | What it sets |").Skip(2)
            .TakeWhile(l => l.StartsWith('|'))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .ToDictionary(cells => cells[1].Trim('`'), cells => cells[2].Trim('`'));
        var defaults = new QueueClientOptions();
        var configurable = typeof(QueueClientOptions).GetProperties().Where(p => p.Name != nameof(QueueClientOptions.Producer)).ToList();

        Assert.Equal(configurable.Select(p => p.Name).Order(), rows.Keys.Order());
        foreach (var property in configurable)
        {
            var value = property.GetValue(defaults) switch
            {
                IEnumerable<ContactPoint> contactPoints => string.Join(",", contactPoints),
                null => "none",
                var other => Convert.ToString(other, CultureInfo.InvariantCulture),
            };
            Assert.Equal(value, rows[property.Name]);
        }
    }
}
