namespace ClusterQueue.Node.Tests.Support;

/// <summary>
/// Tests that start cluster nodes run one at a time: on 2 cores, two clusters at once starve each
/// other's failure detectors.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterNodesTests
{
    public const string Name = "cluster nodes";
}
