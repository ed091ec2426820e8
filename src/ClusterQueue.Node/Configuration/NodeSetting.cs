namespace ClusterQueue.Node.Configuration;

/// <summary>
/// One per-node setting: read from its environment variable, overridden by its command-line option.
/// </summary>
public sealed record NodeSetting(string Option, string EnvironmentVariable, string Default, string Description)
{
    /// <summary>How errors and help name the setting, so an operator finds it whichever way it was set.</summary>
    public string Key => $"{EnvironmentVariable} (--{Option})";

    public static readonly NodeSetting Host = new(
        "host", "CQ_HOST", "127.0.0.1",
        "Interface that remoting and HTTP listen on.");

    public static readonly NodeSetting Port = new(
        "port", "CQ_PORT", "4053",
        "Remoting port (0 = any free port; seeds need a fixed one).");

    public static readonly NodeSetting PublicHost = new(
        "public-host", "CQ_PUBLIC_HOST", "the host",
        "Name other nodes and clients use to reach this node; required when the host is 0.0.0.0.");

    public static readonly NodeSetting PodName = new(
        "pod-name", "CQ_POD_NAME", "none",
        "Kubernetes pod name (downward API); with the headless service, the public host defaults to the pod's stable DNS name.");

    public static readonly NodeSetting PodNamespace = new(
        "pod-namespace", "CQ_POD_NAMESPACE", "default",
        "Kubernetes namespace of the pod (downward API), part of its DNS name.");

    public static readonly NodeSetting HeadlessService = new(
        "headless-service", "CQ_HEADLESS_SERVICE", "none",
        "Headless Service that gives the StatefulSet's pods their DNS names (pod.service.namespace.svc.domain).");

    public static readonly NodeSetting ClusterDomain = new(
        "cluster-domain", "CQ_CLUSTER_DOMAIN", "cluster.local",
        "DNS domain of the Kubernetes cluster.");

    public static readonly NodeSetting Seeds = new(
        "seeds", "CQ_SEEDS", "127.0.0.1:4053,127.0.0.1:4054,127.0.0.1:4055",
        "Comma-separated seed addresses (host:port or akka.tcp://ClusterQueue@host:port), the same on every node.");

    public static readonly NodeSetting Roles = new(
        "roles", "CQ_ROLES", "broker",
        "Comma-separated roles: broker (hosts topics), client (hosts none).");

    public static readonly NodeSetting HttpPort = new(
        "http-port", "CQ_HTTP_PORT", "8053",
        "Port of the HTTP health endpoints (0 = any free port).");

    public static readonly NodeSetting DataDir = new(
        "data-dir", "CQ_DATA_DIR", "./data",
        "Folder for the SQLite journals (one file per shard), shared by the nodes of one machine; created if missing, must be writable.");

    public static readonly NodeSetting JournalProvider = new(
        "journal-provider", "CQ_JOURNAL_PROVIDER", "sqlite",
        "Journal database: sqlite (one machine) or postgresql (many).");

    public static readonly NodeSetting JournalConnectionString = new(
        "journal-connection-string", "CQ_JOURNAL_CONNECTION_STRING", "none",
        "PostgreSQL connection string; required for postgresql (SQLite journals are files in the data folder).");

    public static readonly NodeSetting Config = new(
        "config", "CQ_CONFIG", "none",
        "Extra HOCON file layered over the hocon/ folder (e.g. hocon/testing.conf).");

    public static readonly NodeSetting HoconDir = new(
        "hocon-dir", "CQ_HOCON_DIR", "hocon/ beside the executable",
        "Folder holding the node's HOCON files.");

    public static IReadOnlyList<NodeSetting> All { get; } =
    [
        Host, Port, PublicHost, PodName, PodNamespace, HeadlessService, ClusterDomain, Seeds, Roles, HttpPort, DataDir, JournalProvider, JournalConnectionString,
        Config, HoconDir,
    ];
}
