namespace ClusterQueue.Node.Configuration;

/// <summary>A per-node setting or configuration file that stops the node at start-up.</summary>
/// <param name="key">The setting as the operator wrote it: environment variable and option, or file.</param>
/// <param name="problem">What is wrong with it, in a few words.</param>
public sealed class NodeConfigurationException(string key, string problem)
    : Exception($"{key}: {problem}")
{
    public string Key { get; } = key;

    public string Problem { get; } = problem;
}
