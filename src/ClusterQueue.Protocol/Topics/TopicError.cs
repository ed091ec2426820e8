namespace ClusterQueue.Protocol.Topics;

/// <summary>A refused request: a stable code and a message naming the problem.</summary>
public sealed record TopicError(string Topic, ErrorCode Code, string Message) : IClusterQueueMessage;
