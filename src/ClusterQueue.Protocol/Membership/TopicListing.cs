namespace ClusterQueue.Protocol.Membership;

/// <summary>Asks the answering node for every running topic of the cluster and the node that hosts it.</summary>
public sealed class GetTopics : IClusterQueueMessage
{
    public static readonly GetTopics Instance = new();

    private GetTopics()
    {
    }
}

/// <summary>The running topics by name, and the broker nodes that did not answer in time (their topics are missing).</summary>
public sealed record TopicList(IReadOnlyList<HostedTopic> Topics, IReadOnlyList<string> Unanswered) : IClusterQueueMessage
{
    public bool Equals(TopicList? other) => other is not null && Topics.SequenceEqual(other.Topics) && Unanswered.SequenceEqual(other.Unanswered);

    public override int GetHashCode() => HashCode.Combine(Topics.Count, Unanswered.Count);
}

/// <summary>A running topic and the node hosting it.</summary>
public sealed record HostedTopic(string Topic, string Node);

/// <summary>One gateway asks another for the topics running on its node.</summary>
public sealed class GetLocalTopics : IClusterQueueMessage
{
    public static readonly GetLocalTopics Instance = new();

    private GetLocalTopics()
    {
    }
}

/// <summary>The topics running on <paramref name="Node"/>, sorted.</summary>
public sealed record LocalTopics(string Node, IReadOnlyList<string> Topics) : IClusterQueueMessage
{
    public bool Equals(LocalTopics? other) => other is not null && Node == other.Node && Topics.SequenceEqual(other.Topics);

    public override int GetHashCode() => HashCode.Combine(Node, Topics.Count);
}
