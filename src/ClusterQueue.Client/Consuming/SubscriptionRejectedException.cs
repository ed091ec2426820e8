using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client.Consuming;

/// <summary>The topic refused a subscription; <see cref="Code"/> says why (stable across versions).</summary>
public sealed class SubscriptionRejectedException(string topic, string group, ErrorCode code, string reason)
    : Exception($"topic '{topic}' refused a consumer of group '{group}': {code}: {reason}")
{
    public string Topic { get; } = topic;

    public string Group { get; } = group;

    public ErrorCode Code { get; } = code;

    public string Reason { get; } = reason;
}
