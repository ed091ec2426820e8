using System.Text.Json.Nodes;
using ClusterQueue.Node.Configuration;
using ClusterQueue.TestSupport;
using Npgsql;

namespace ClusterQueue.Node.Tests.Deploy;

/// <summary>deploy/docker/compose.yaml read as compose reads it (no Docker engine runs here).</summary>
public sealed class ComposeFileSpec
{
    private static readonly JsonObject Compose = Yaml.Documents(File.ReadAllText(Path.Combine(Repository.Root, "deploy", "docker", "compose.yaml"))).Single();

    private static Dictionary<string, JsonObject> Nodes => Compose["services"]!.AsObject()
        .Where(s => s.Value!["build"] is not null)
        .ToDictionary(s => s.Key, s => s.Value!.AsObject());

    private static Dictionary<string, string> Environment(JsonObject service) =>
        service["environment"]!.AsObject().ToDictionary(e => e.Key, e => (string)e.Value!);

    [Fact]
    public void Three_nodes_are_built_from_the_Dockerfile_and_seed_each_other_by_their_own_names()
    {
        var dockerfile = Dockerfile.Read(Path.Combine(Repository.Root, "deploy", "docker", "Dockerfile"));
        var port = dockerfile.Environment[NodeSetting.Port.EnvironmentVariable];
        var read = NodeSetting.All.Select(s => s.EnvironmentVariable).ToHashSet();

        Assert.Equal(3, Nodes.Count);
        foreach (var (name, node) in Nodes)
        {
            var build = node["build"]!;
            Assert.True(File.Exists(Path.Combine(Repository.Root, "deploy", "docker", (string)build["context"]!, (string)build["dockerfile"]!)));
            var environment = Environment(node);
            Assert.All(environment.Keys, key => Assert.Contains(key, read));
            Assert.Equal(name, (string?)node["hostname"]);
            Assert.Equal(name, environment[NodeSetting.PublicHost.EnvironmentVariable]);
            Assert.Equal(Nodes.Keys.Select(n => $"{n}:{port}"), environment[NodeSetting.Seeds.EnvironmentVariable].Split(','));
            Assert.All(node["ports"]!.AsArray(), p => Assert.EndsWith(":" + dockerfile.Environment[NodeSetting.HttpPort.EnvironmentVariable], (string)p!, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_nodes_journal_on_the_compose_PostgreSQL_with_its_credentials_once_it_is_healthy()
    {
        var postgres = Compose["services"]!["postgres"]!.AsObject();
        var server = Environment(postgres);

        foreach (var node in Nodes.Values)
        {
            var environment = Environment(node);
            Assert.Equal("postgresql", environment[NodeSetting.JournalProvider.EnvironmentVariable]);
            var connection = new NpgsqlConnectionStringBuilder(environment[NodeSetting.JournalConnectionString.EnvironmentVariable]);
            Assert.Equal("postgres", connection.Host);
            Assert.Equal(server["POSTGRES_USER"], connection.Username);
            Assert.Equal(server["POSTGRES_PASSWORD"], connection.Password);
            Assert.Equal(server["POSTGRES_DB"], connection.Database);
            Assert.Equal("service_healthy", (string?)node["depends_on"]!["postgres"]!["condition"]);
        }
    }
}
