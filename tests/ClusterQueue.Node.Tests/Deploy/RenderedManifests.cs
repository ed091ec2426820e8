using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ClusterQueue.Node.Tests.Deploy;

/// <summary>One overlay's rendered manifests, with the lookups the invariant checks need.</summary>
public sealed partial class RenderedManifests(string overlay, IReadOnlyList<JsonObject> documents)
{
    public const string BrokerStatefulSet = "clusterqueue";

    public string Overlay { get; } = overlay;

    public IReadOnlyList<JsonObject> Documents { get; } = documents;

    public JsonObject Brokers => Named("StatefulSet", BrokerStatefulSet);

    public JsonObject BrokerPod => Brokers["spec"]!["template"]!.AsObject();

    public JsonObject BrokerContainer => BrokerPod["spec"]!["containers"]!.AsArray().Single(c => (string?)c!["name"] == "node")!.AsObject();

    public string Namespace => (string?)Brokers["metadata"]!["namespace"] ?? "default";

    public int Replicas => int.Parse((string)Brokers["spec"]!["replicas"]!, System.Globalization.CultureInfo.InvariantCulture);

    public static RenderedManifests Of(string overlay) => new(overlay, Kubectl.Render(overlay));

    public IEnumerable<JsonObject> OfKind(string kind) => Documents.Where(d => (string?)d["kind"] == kind);

    public JsonObject Named(string kind, string name) =>
        OfKind(kind).SingleOrDefault(d => (string?)d["metadata"]!["name"] == name)
        ?? throw new InvalidOperationException($"overlay {Overlay} renders no {kind} named {name}");

    /// <summary>A generated ConfigMap or Secret, found by the name before kustomize's hash suffix.</summary>
    public JsonObject? Generated(string kind, string referencedName) =>
        OfKind(kind).SingleOrDefault(d => (string?)d["metadata"]!["name"] == referencedName);

    public static Dictionary<string, string> Labels(JsonNode? labels) =>
        labels?.AsObject().ToDictionary(l => l.Key, l => (string)l.Value!) ?? [];

    /// <summary>The broker container's named ports: name to container port.</summary>
    public Dictionary<string, int> ContainerPorts => BrokerContainer["ports"]!.AsArray()
        .ToDictionary(p => (string)p!["name"]!, p => int.Parse((string)p!["containerPort"]!, System.Globalization.CultureInfo.InvariantCulture));

    public IReadOnlyList<JsonObject> EnvEntries => BrokerContainer["env"]!.AsArray().Select(e => e!.AsObject()).ToList();

    public string? EnvValue(string name) => (string?)EnvEntries.SingleOrDefault(e => (string?)e["name"] == name)?["value"];

    /// <summary>
    /// The environment Kubernetes gives pod <paramref name="ordinal"/>: downward-API fields filled
    /// in, secrets read through <paramref name="secret"/>, and <c>$(VAR)</c> references to earlier
    /// variables expanded as the kubelet does.
    /// </summary>
    public Dictionary<string, string> PodEnvironment(int ordinal, Func<string, string, string> secret)
    {
        var environment = new Dictionary<string, string>();
        foreach (var entry in EnvEntries)
        {
            var name = (string)entry["name"]!;
            string value;
            if (entry["valueFrom"]?["fieldRef"] is { } field)
            {
                value = (string)field["fieldPath"]! switch
                {
                    "metadata.name" => $"{BrokerStatefulSet}-{ordinal}",
                    "metadata.namespace" => Namespace,
                    var other => throw new InvalidOperationException($"{name} reads field {other}, which this test does not fill in"),
                };
            }
            else if (entry["valueFrom"]?["secretKeyRef"] is { } secretRef)
            {
                value = secret((string)secretRef["name"]!, (string)secretRef["key"]!);
            }
            else
            {
                value = VariableReference().Replace(
                    (string?)entry["value"] ?? "",
                    m => environment.TryGetValue(m.Groups[1].Value, out var earlier) ? earlier : m.Value);
            }

            environment[name] = value;
        }

        return environment;
    }

    /// <summary>The value of a rendered Secret's key (a dev overlay's generated one).</summary>
    public string SecretValue(string name, string key)
    {
        var secret = Generated("Secret", name) ?? throw new InvalidOperationException($"overlay {Overlay} renders no Secret {name}");
        return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]![key]!));
    }

    /// <summary>The file a volume mount at <paramref name="mountPath"/> shows, by ConfigMap: file name to contents.</summary>
    public Dictionary<string, string> ConfigMapFilesMountedAt(string mountPath)
    {
        var mount = BrokerContainer["volumeMounts"]!.AsArray().Single(m => (string?)m!["mountPath"] == mountPath)!;
        var volume = BrokerPod["spec"]!["volumes"]!.AsArray().Single(v => (string?)v!["name"] == (string?)mount["name"])!;
        var configMap = Named("ConfigMap", (string)volume["configMap"]!["name"]!);
        return configMap["data"]!.AsObject().ToDictionary(d => d.Key, d => (string)d.Value!);
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex VariableReference();
}
