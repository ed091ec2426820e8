using System.Globalization;
using ClusterQueue.Node.Configuration;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.TestSupport;
using Xunit.Abstractions;

namespace ClusterQueue.Node.Tests.Deploy;

/// <summary>A fact that needs kubectl and a PostgreSQL server, skipped with the reason where either is missing (not under CI=true).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KubectlAndPostgreSqlFactAttribute : FactAttribute
{
    public KubectlAndPostgreSqlFactAttribute() => Skip = Kubectl.SkipReason ?? TestPostgres.SkipReason;
}

/// <summary>
/// Three node processes given exactly the environment the prod overlay's StatefulSet gives its
/// pods: the start-up path they take on Kubernetes, with each pod's DNS name replaced by 127.0.0.1
/// and each pod's ports by free loopback ports (on Kubernetes every pod has an address of its own).
/// </summary>
[Collection(ClusterNodesTests.Name)]
public sealed class StatefulSetPodsSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _volumes = Directory.CreateTempSubdirectory("cq-pods-").FullName;
    private readonly List<NodeProcess> _started = [];
    private string? _journal;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _started)
        {
            node.Dispose();
        }

        output.WriteLine(Logs());
        if (_journal is not null)
        {
            await TestPostgres.DropDatabaseAsync(_journal);
        }

        Directory.Delete(_volumes, recursive: true);
    }

    [KubectlAndPostgreSqlFact]
    public async Task Three_pods_started_as_the_StatefulSet_starts_them_form_one_cluster_and_a_restarted_pod_0_rejoins_it()
    {
        var manifests = RenderedManifests.Of("prod");
        _journal = await TestPostgres.CreateDatabaseAsync();
        var ports = FreePorts.Take(6);
        var remotingPorts = ports.Take(3).ToList();
        var pods = Enumerable.Range(0, 3).Select(i => PodEnvironment(manifests, i, ports)).ToList();

        var nodes = pods.Select(Start).ToList();
        await Eventually.Holds(
            "the three pods see the same three Up members and are ready",
            async () => (await Task.WhenAll(nodes.Select(async n => await n.Http.SeesExactlyUp(remotingPorts) && await n.Http.IsReady()))).All(x => x),
            Timeout,
            Logs);

        // A rolling update: SIGTERM to pod 0 (the first seed), which must be out within the grace period.
        var grace = TimeSpan.FromSeconds(int.Parse((string)manifests.BrokerPod["spec"]!["terminationGracePeriodSeconds"]!, CultureInfo.InvariantCulture));
        nodes[0].Terminate();
        Assert.Equal(0, await nodes[0].ExitCode(grace));
        await Eventually.Holds(
            "the other two pods see only each other",
            async () => await nodes[1].Http.SeesExactlyUp(remotingPorts.Skip(1)) && await nodes[2].Http.SeesExactlyUp(remotingPorts.Skip(1)),
            Timeout,
            Logs);

        nodes[0] = Start(pods[0]);
        await Eventually.Holds(
            "the restarted pod 0 joins the running cluster instead of forming its own",
            async () => (await Task.WhenAll(nodes.Select(n => n.Http.SeesExactlyUp(remotingPorts)))).All(x => x),
            Timeout,
            Logs);
    }

    private Dictionary<string, string> PodEnvironment(RenderedManifests manifests, int ordinal, IReadOnlyList<int> ports)
    {
        var environment = manifests.PodEnvironment(ordinal, (_, _) => _journal!);
        var podPort = manifests.ContainerPorts["remoting"];
        var headless = (string)manifests.Brokers["spec"]!["serviceName"]!;
        foreach (var name in environment.Keys.ToList())
        {
            for (var pod = 0; pod < 3; pod++)
            {
                var dnsName = $"{RenderedManifests.BrokerStatefulSet}-{pod}.{headless}.{manifests.Namespace}.svc.cluster.local";
                environment[name] = environment[name].Replace($"{dnsName}:{podPort}", $"127.0.0.1:{ports[pod]}", StringComparison.Ordinal);
            }
        }

        // The name the node derives from its pod name resolves only inside Kubernetes.
        environment[NodeSetting.PublicHost.EnvironmentVariable] = "127.0.0.1";
        environment[NodeSetting.Port.EnvironmentVariable] = ports[ordinal].ToString(CultureInfo.InvariantCulture);
        environment[NodeSetting.HttpPort.EnvironmentVariable] = ports[ordinal + 3].ToString(CultureInfo.InvariantCulture);

        // The pod's volumes: the hocon ConfigMap as files, the data folder empty.
        var hocon = Path.Combine(_volumes, $"pod-{ordinal}", "hocon");
        Directory.CreateDirectory(hocon);
        foreach (var (file, text) in manifests.ConfigMapFilesMountedAt(environment[NodeSetting.HoconDir.EnvironmentVariable]))
        {
            File.WriteAllText(Path.Combine(hocon, file), text);
        }

        environment[NodeSetting.HoconDir.EnvironmentVariable] = hocon;
        environment[NodeSetting.DataDir.EnvironmentVariable] = Directory.CreateDirectory(Path.Combine(_volumes, $"pod-{ordinal}", "data")).FullName;
        Assert.DoesNotContain(environment.Values, v => v.Contains(".svc.cluster.local", StringComparison.Ordinal));
        return environment;
    }

    private NodeProcess Start(Dictionary<string, string> pod)
    {
        var node = NodeProcess.StartWithEnvironment(
            pod,
            int.Parse(pod[NodeSetting.Port.EnvironmentVariable], CultureInfo.InvariantCulture),
            int.Parse(pod[NodeSetting.HttpPort.EnvironmentVariable], CultureInfo.InvariantCulture));
        _started.Add(node);
        return node;
    }

    private string Logs() => string.Join(
        Environment.NewLine,
        _started.Select(n => $"--- pod on port {n.Port} ---{Environment.NewLine}{n.Output}"));
}
