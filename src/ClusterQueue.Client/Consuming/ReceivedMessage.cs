using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client.Consuming;

/// <summary>
/// A message from <see cref="QueueClient.ConsumeAsync"/>, leased to this consumer until it is
/// acked or nacked; the first of the two counts.
/// </summary>
public sealed class ReceivedMessage
{
    private readonly TaskCompletionSource _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ReceivedMessage(ConsumedMessage consumed) => Consumed = consumed;

    public ConsumedMessage Consumed { get; }

    public TopicMessage Message => Consumed.Message;

    public byte[] Payload => Consumed.Message.Payload;

    /// <summary>1 for the first delivery within the group, more for redeliveries.</summary>
    public int Attempt => Consumed.Attempt;

    /// <summary>Completes when the message is acked, fails when it is nacked.</summary>
    internal Task Outcome => _outcome.Task;

    /// <summary>Done with it: the group will not get it again (acks are sent in batches).</summary>
    public void Ack() => _outcome.TrySetResult();

    /// <summary>Not handled: deliver it again, after <paramref name="delay"/> or the consumer's redelivery delay.</summary>
    public void Nack(TimeSpan? delay = null) =>
        _outcome.TrySetException(new RedeliverLaterException(delay, "the consumer nacked it"));
}
