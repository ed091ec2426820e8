namespace ClusterQueue.Client;

/// <summary>No contact point answered in time: the cluster is down, or the addresses are wrong.</summary>
public sealed class ClusterUnreachableException(IReadOnlyList<ContactPoint> contactPoints, TimeSpan timeout)
    : Exception($"no ClusterQueue node answered within {timeout.TotalSeconds:0.#} s at {string.Join(", ", contactPoints)}")
{
    public IReadOnlyList<ContactPoint> ContactPoints { get; } = contactPoints;
}
