using System.Globalization;
using Akka.Configuration;
using ClusterQueue.Node.Configuration;
using ClusterQueue.Node.Hosting;
using ClusterQueue.TestSupport;
using Npgsql;

namespace ClusterQueue.Node.Tests.Deploy;

/// <summary>
/// What usually breaks in Kubernetes manifests, checked on what <c>kubectl kustomize</c> renders
/// for each overlay: selectors, ports, environment, probes, seeds, the HOCON ConfigMap.
/// </summary>
public sealed class KubernetesManifestsSpec
{
    private const string HoconMountPath = "/etc/clusterqueue/hocon";

    public static TheoryData<string> Overlays => new(Kubectl.Overlays);

    [KubectlFact]
    public void There_is_a_dev_and_a_prod_overlay() => Assert.Equal(["dev", "prod"], Kubectl.Overlays);

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Every_selector_matches_the_labels_of_the_pods_it_is_meant_for(string overlay)
    {
        var manifests = RenderedManifests.Of(overlay);
        var podLabels = manifests.OfKind("StatefulSet")
            .Select(s => RenderedManifests.Labels(s["spec"]!["template"]!["metadata"]!["labels"]))
            .ToList();

        foreach (var set in manifests.OfKind("StatefulSet"))
        {
            var selector = RenderedManifests.Labels(set["spec"]!["selector"]!["matchLabels"]);
            Assert.NotEmpty(selector);
            Assert.Subset(RenderedManifests.Labels(set["spec"]!["template"]!["metadata"]!["labels"]).ToHashSet(), selector.ToHashSet());
        }

        var brokerLabels = RenderedManifests.Labels(manifests.BrokerPod["metadata"]!["labels"]).ToHashSet();
        foreach (var service in manifests.OfKind("Service"))
        {
            var selector = RenderedManifests.Labels(service["spec"]!["selector"]).ToHashSet();
            Assert.NotEmpty(selector);
            Assert.Contains(podLabels, labels => selector.IsSubsetOf(labels.ToHashSet()));
        }

        var budget = Assert.Single(manifests.OfKind("PodDisruptionBudget"));
        Assert.Subset(brokerLabels, RenderedManifests.Labels(budget["spec"]!["selector"]!["matchLabels"]).ToHashSet());
        Assert.Equal("1", (string?)budget["spec"]!["maxUnavailable"]);
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Pods_get_stable_names_from_a_headless_service_that_publishes_them_before_they_are_ready(string overlay)
    {
        var manifests = RenderedManifests.Of(overlay);
        var headless = manifests.Named("Service", (string)manifests.Brokers["spec"]!["serviceName"]!);

        Assert.Equal("None", (string?)headless["spec"]!["clusterIP"]);
        Assert.Equal("true", (string?)headless["spec"]!["publishNotReadyAddresses"]);
        Assert.Equal(headless["metadata"]!["name"]!.ToString(), manifests.EnvValue(NodeSetting.HeadlessService.EnvironmentVariable));
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Container_ports_are_the_ports_the_node_listens_on_and_services_target_existing_ports(string overlay)
    {
        var manifests = RenderedManifests.Of(overlay);
        var ports = manifests.ContainerPorts;
        var remote = ConfigurationFactory.ParseString(manifests.ConfigMapFilesMountedAt(HoconMountPath)["remote.conf"]);
        var remotingPort = manifests.EnvValue(NodeSetting.Port.EnvironmentVariable)
            ?? remote.GetInt("akka.remote.dot-netty.tcp.port").ToString(CultureInfo.InvariantCulture);

        Assert.Equal(int.Parse(remotingPort, CultureInfo.InvariantCulture), ports["remoting"]);
        Assert.Equal(
            int.Parse(manifests.EnvValue(NodeSetting.HttpPort.EnvironmentVariable) ?? NodeSetting.HttpPort.Default, CultureInfo.InvariantCulture),
            ports["http"]);

        foreach (var service in manifests.OfKind("Service").Where(s => s["spec"]!["selector"]!.ToJsonString() == manifests.Brokers["spec"]!["selector"]!["matchLabels"]!.ToJsonString()))
        {
            foreach (var port in service["spec"]!["ports"]!.AsArray())
            {
                var target = (string)port!["targetPort"]!;
                Assert.True(ports.ContainsKey(target), $"Service {service["metadata"]!["name"]} targets port '{target}', which the broker container does not name");
            }
        }
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Every_environment_variable_the_manifests_set_is_one_the_node_reads(string overlay)
    {
        var read = NodeSetting.All.Select(s => s.EnvironmentVariable).ToHashSet();

        foreach (var entry in RenderedManifests.Of(overlay).EnvEntries)
        {
            Assert.True(read.Contains((string)entry["name"]!), $"the StatefulSet sets {entry["name"]}, which the node does not read");
        }
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Probes_ask_the_node_health_endpoints_on_its_http_port(string overlay)
    {
        var container = RenderedManifests.Of(overlay).BrokerContainer;

        Assert.Equal(NodeEndpoints.ReadyPath, (string?)container["readinessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("http", (string?)container["readinessProbe"]!["httpGet"]!["port"]);
        Assert.Equal(NodeEndpoints.LivePath, (string?)container["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("http", (string?)container["livenessProbe"]!["httpGet"]!["port"]);
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void The_seeds_are_the_first_three_pods_by_the_very_names_those_pods_give_themselves(string overlay)
    {
        var manifests = RenderedManifests.Of(overlay);
        var hoconDir = Path.Combine(AppContext.BaseDirectory, "hocon");
        NodeOptions Pod(int ordinal)
        {
            var environment = manifests.PodEnvironment(ordinal, (_, _) => "Host=postgres.example");
            environment[NodeSetting.HoconDir.EnvironmentVariable] = hoconDir;
            return NodeOptions.Parse(environment.ToDictionary(e => e.Key, e => (string?)e.Value), [], "/", AppContext.BaseDirectory);
        }

        Assert.True(manifests.Replicas >= 3, "three seeds need at least three replicas");
        var seeds = Pod(0).Seeds;
        Assert.Equal(3, seeds.Count);
        for (var ordinal = 0; ordinal < manifests.Replicas; ordinal++)
        {
            var pod = Pod(ordinal);
            Assert.Equal(seeds, pod.Seeds);
            Assert.Equal($"{RenderedManifests.BrokerStatefulSet}-{ordinal}.{manifests.Brokers["spec"]!["serviceName"]}.{manifests.Namespace}.svc.cluster.local", pod.PublicHost);
            if (ordinal < 3)
            {
                Assert.Equal(new SeedAddress(pod.PublicHost, manifests.ContainerPorts["remoting"]), seeds[ordinal]);
            }
        }
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void The_hocon_ConfigMap_carries_the_hocon_folder_and_is_where_the_node_reads_it(string overlay)
    {
        var manifests = RenderedManifests.Of(overlay);
        var shipped = Directory.GetFiles(Path.Combine(Repository.Root, "hocon"), "*.conf")
            .Where(f => Path.GetFileName(f) != "testing.conf")
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllText);

        var carried = manifests.ConfigMapFilesMountedAt(HoconMountPath);

        Assert.Equal(HoconMountPath, manifests.EnvValue(NodeSetting.HoconDir.EnvironmentVariable));
        Assert.Equal(shipped.Keys.Order(), carried.Keys.Order());
        foreach (var (file, text) in shipped)
        {
            Assert.True(text == carried[file], $"deploy/k8s/base/hocon/{file} differs from hocon/{file}: run deploy/k8s/sync-hocon.sh");
        }
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Brokers_run_as_non_root_with_resource_limits_and_time_to_hand_off_their_topics(string overlay)
    {
        var manifests = RenderedManifests.Of(overlay);
        var pod = manifests.BrokerPod["spec"]!;
        var container = manifests.BrokerContainer;

        Assert.Equal("true", (string?)pod["securityContext"]!["runAsNonRoot"]);
        Assert.NotEqual("0", (string?)pod["securityContext"]!["runAsUser"]);
        Assert.Equal("false", (string?)container["securityContext"]!["allowPrivilegeEscalation"]);
        foreach (var bound in new[] { "requests", "limits" })
        {
            Assert.NotNull(container["resources"]![bound]!["cpu"]);
            Assert.NotNull(container["resources"]![bound]!["memory"]);
        }

        // Coordinated shutdown on SIGTERM: hand-off, then leaving, each up to its phase timeout.
        var shutdown = ConfigurationFactory.ParseString(manifests.ConfigMapFilesMountedAt(HoconMountPath)["shutdown.conf"]);
        var needed = shutdown.GetTimeSpan("akka.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout")
            + shutdown.GetTimeSpan("akka.coordinated-shutdown.phases.cluster-exiting.timeout")
            + (3 * shutdown.GetTimeSpan("akka.coordinated-shutdown.default-phase-timeout"));
        var grace = TimeSpan.FromSeconds(int.Parse((string)pod["terminationGracePeriodSeconds"]!, CultureInfo.InvariantCulture));
        Assert.True(grace >= needed, $"terminationGracePeriodSeconds {grace.TotalSeconds} is shorter than coordinated shutdown may take ({needed.TotalSeconds} s)");
    }

    [KubectlFact]
    public void The_dev_overlay_journals_on_its_own_PostgreSQL_with_matching_credentials()
    {
        var manifests = RenderedManifests.Of("dev");
        var journal = manifests.EnvEntries.Single(e => (string?)e["name"] == NodeSetting.JournalConnectionString.EnvironmentVariable);
        var secretRef = journal["valueFrom"]!["secretKeyRef"]!;
        var connection = new NpgsqlConnectionStringBuilder(manifests.SecretValue((string)secretRef["name"]!, (string)secretRef["key"]!));

        Assert.Equal("postgresql", manifests.EnvValue(NodeSetting.JournalProvider.EnvironmentVariable));
        var service = manifests.Named("Service", connection.Host!);
        Assert.Contains(service["spec"]!["ports"]!.AsArray(), p => (string?)p!["port"] == connection.Port.ToString(CultureInfo.InvariantCulture));
        var postgres = manifests.Named("StatefulSet", connection.Host!);
        var env = postgres["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        string FromSecret(string name)
        {
            var reference = env.Single(e => (string?)e!["name"] == name)!["valueFrom"]!["secretKeyRef"]!;
            return manifests.SecretValue((string)reference["name"]!, (string)reference["key"]!);
        }

        Assert.Equal(FromSecret("POSTGRES_USER"), connection.Username);
        Assert.Equal(FromSecret("POSTGRES_PASSWORD"), connection.Password);
        Assert.Equal(FromSecret("POSTGRES_DB"), connection.Database);
    }

    [KubectlFact]
    public void The_prod_overlay_reads_the_journal_from_the_Secret_the_README_tells_you_to_create()
    {
        var manifests = RenderedManifests.Of("prod");
        var secretRef = manifests.EnvEntries
            .Single(e => (string?)e["name"] == NodeSetting.JournalConnectionString.EnvironmentVariable)["valueFrom"]!["secretKeyRef"]!;
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

        Assert.Null(manifests.Generated("Secret", (string)secretRef["name"]!));
        Assert.Contains(
            $"kubectl -n {manifests.Namespace} create secret generic {secretRef["name"]} --from-literal={secretRef["key"]}=",
            readme,
            StringComparison.Ordinal);
    }
}
