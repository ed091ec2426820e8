using System.Text.Json;
using ClusterQueue.Cli.Commands;
using ClusterQueue.Protocol.Membership;
using ClusterQueue.TestSupport;

namespace ClusterQueue.Cli.Tests;

/// <summary>The cq tool against a real node, reached from outside through the receptionist.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CqAgainstOneNodeTests : ICollectionFixture<OneNodeCluster>
{
    public const string Name = "cq against one node";
}

/// <summary>One node, a cluster of itself, shared by the read-only cq tests.</summary>
public sealed class OneNodeCluster : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("cq-cli-").FullName;

    public InProcessNode Node { get; private set; } = null!;

    public string Contact => $"127.0.0.1:{Node.Options.Port}";

    public async Task InitializeAsync()
    {
        var ports = FreePorts.Take(2);
        Node = await InProcessNode.StartAsync(ports[0], ports[1], [ports[0]], _dataDir);
        await Eventually.Holds("the node is Up", () => Node.SeesOnlyUp(1), TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}

[Collection(CqAgainstOneNodeTests.Name)]
public sealed class CqClusterShowSpec(OneNodeCluster cluster)
{
    private static async Task<(int ExitCode, string Output, string Error)> Cq(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode;
        await using (var terminal = new CqTerminal(output, error))
        {
            exitCode = await CqCommandLine.Parse(terminal, args).InvokeAsync();
        }

        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Cluster_show_lists_the_running_node_Up()
    {
        var (exitCode, output, error) = await Cq("cluster", "show", "--contact", cluster.Contact);

        Assert.Equal(CqCommandLine.Succeeded, exitCode);
        Assert.Equal("", error);
        Assert.Equal(
            $"akka.tcp://ClusterQueue@{cluster.Contact} | [broker] | up | {cluster.Node.Cluster.SelfMember.AppVersion}"
            + Environment.NewLine + "Count: 1 node" + Environment.NewLine,
            output);
    }

    [Fact]
    public async Task Cluster_show_json_is_the_membership_for_scripts()
    {
        var (exitCode, output, _) = await Cq("cluster", "show", "--json", "-c", cluster.Contact);

        Assert.Equal(CqCommandLine.Succeeded, exitCode);
        var members = JsonSerializer.Deserialize<ClusterMembers>(output, JsonSerializerOptions.Web)!;
        Assert.Equal($"akka.tcp://ClusterQueue@{cluster.Contact}", members.Leader);
        Assert.Equal("Up", Assert.Single(members.Members).Status);
    }

    [Fact]
    public async Task An_unreachable_cluster_gives_one_clear_line_and_exit_code_1()
    {
        var unused = FreePorts.Take(1)[0];

        var (exitCode, output, error) = await Cq("cluster", "show", "-c", $"127.0.0.1:{unused}", "--timeout", "2");

        Assert.Equal(CqCommandLine.ClusterUnreachable, exitCode);
        Assert.Equal("", output);
        Assert.Equal($"cq: no ClusterQueue node answered within 2 s at 127.0.0.1:{unused}" + Environment.NewLine, error);
    }

    [Theory]
    [InlineData("nowhere", "cq: 'nowhere' is not a contact point: expected host:port with a port from 1 to 65535")]
    [InlineData("127.0.0.1:0", "cq: '127.0.0.1:0' is not a contact point: expected host:port with a port from 1 to 65535")]
    public async Task A_bad_contact_point_is_named_with_exit_code_2(string contact, string message)
    {
        var (exitCode, _, error) = await Cq("cluster", "show", "-c", contact);

        Assert.Equal(CqCommandLine.UsageError, exitCode);
        Assert.Equal(message + Environment.NewLine, error);
    }
}
