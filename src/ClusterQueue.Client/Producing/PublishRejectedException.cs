using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client.Producing;

/// <summary>The topic refused a message; <see cref="Code"/> says why (stable across versions).</summary>
public sealed class PublishRejectedException(string topic, ErrorCode code, string reason)
    : Exception($"topic '{topic}' refused the message: {code}: {reason}")
{
    public string Topic { get; } = topic;

    public ErrorCode Code { get; } = code;

    public string Reason { get; } = reason;
}
