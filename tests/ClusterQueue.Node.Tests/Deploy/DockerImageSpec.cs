using System.Diagnostics;
using System.Globalization;
using ClusterQueue.Node.Configuration;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.TestSupport;
using Xunit.Abstractions;

namespace ClusterQueue.Node.Tests.Deploy;

/// <summary>
/// No Docker engine runs here, so the image's build and run steps are replayed: the Dockerfile's
/// own dotnet publish command, then its entrypoint in its working folder with its environment.
/// </summary>
[Collection(ClusterNodesTests.Name)]
public sealed class DockerImageSpec(ITestOutputHelper output) : IDisposable
{
    private static readonly string DockerDir = Path.Combine(Repository.Root, "deploy", "docker");
    private readonly string _root = Directory.CreateTempSubdirectory("cq-image-").FullName;
    private NodeProcess? _node;

    public void Dispose()
    {
        if (_node is not null)
        {
            _node.Dispose();
            output.WriteLine(_node.Output);
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void The_image_runs_as_a_non_root_user_and_exposes_the_ports_the_node_listens_on()
    {
        var dockerfile = Dockerfile.Read(Path.Combine(DockerDir, "Dockerfile"));

        Assert.NotEqual("root", dockerfile.User);
        Assert.NotEqual("0", dockerfile.User);
        Assert.Equal(
            new[] { NodeSetting.Port, NodeSetting.HttpPort }.Select(s => int.Parse(dockerfile.Environment[s.EnvironmentVariable], CultureInfo.InvariantCulture)),
            dockerfile.ExposedPorts);
        Assert.All(dockerfile.Environment.Keys, name => Assert.Contains(name, NodeSetting.All.Select(s => s.EnvironmentVariable)));
        Assert.Contains("**/bin/", File.ReadAllLines(Path.Combine(DockerDir, "Dockerfile.dockerignore")));
    }

    [Fact]
    public async Task The_image_build_publishes_a_node_that_starts_from_its_entrypoint_with_its_environment()
    {
        var dockerfile = Dockerfile.Read(Path.Combine(DockerDir, "Dockerfile"));
        var app = Path.Combine(_root, "app");

        // The build stage copies the repository to its working folder and publishes from there.
        var publish = dockerfile.PublishCommand.Select(w => w == dockerfile.PublishOutput ? app : w).ToList();
        await RunAsync(publish, Repository.Root);
        Assert.Equal(dockerfile.PublishOutput, dockerfile.RuntimeWorkdir);
        foreach (var conf in Directory.GetFiles(Path.Combine(Repository.Root, "hocon"), "*.conf"))
        {
            Assert.Equal(File.ReadAllText(conf), File.ReadAllText(Path.Combine(app, "hocon", Path.GetFileName(conf))));
        }

        // Run: the image's environment, with what compose or the StatefulSet adds (the public host
        // and seeds) and free ports in place of the fixed ones, as a container has an address of its own.
        var ports = FreePorts.Take(2);
        var environment = new Dictionary<string, string>(dockerfile.Environment)
        {
            [NodeSetting.Port.EnvironmentVariable] = ports[0].ToString(CultureInfo.InvariantCulture),
            [NodeSetting.HttpPort.EnvironmentVariable] = ports[1].ToString(CultureInfo.InvariantCulture),
            [NodeSetting.DataDir.EnvironmentVariable] = Directory.CreateDirectory(Path.Combine(_root, "data")).FullName,
            [NodeSetting.PublicHost.EnvironmentVariable] = "127.0.0.1",
            [NodeSetting.Seeds.EnvironmentVariable] = $"127.0.0.1:{ports[0]}",
        };
        Assert.Equal("dotnet", dockerfile.Entrypoint[0]);
        _node = NodeProcess.StartWithEnvironment(
            environment, ports[0], ports[1], Path.Combine(app, dockerfile.Entrypoint[1]), app, [.. dockerfile.Entrypoint.Skip(2)]);

        await Eventually.Holds("the node from the published image is Up and ready", _node.Http.IsReady, TimeSpan.FromSeconds(60), () => _node.Output);
    }

    private async Task RunAsync(List<string> command, string workingDirectory)
    {
        var start = new ProcessStartInfo(command[0]) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        output.WriteLine(await stdout);
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', command)} exited {process.ExitCode}: {await stdout}{await stderr}");
    }
}
