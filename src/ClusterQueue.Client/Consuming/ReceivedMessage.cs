using Akka.Actor;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Client.Consuming;

/// <summary>
/// A message from <see cref="QueueClient.ConsumeAsync"/>, leased to this consumer until it is
/// acked or nacked; the first of the two counts.
/// </summary>
public sealed class ReceivedMessage
{
    private readonly IActorRef _consumer;
    private int _settled;

    internal ReceivedMessage(ConsumedMessage consumed, IActorRef consumer)
    {
        Consumed = consumed;
        _consumer = consumer;
    }

    public ConsumedMessage Consumed { get; }

    public TopicMessage Message => Consumed.Message;

    public byte[] Payload => Consumed.Message.Payload;

    /// <summary>1 for the first delivery within the group, more for redeliveries.</summary>
    public int Attempt => Consumed.Attempt;

    /// <summary>Done with it: the group will not get it again (acks are sent in batches, and before the consumer stops).</summary>
    public void Ack() => Settle(null);

    /// <summary>Not handled: deliver it again, after <paramref name="delay"/> or the consumer's redelivery delay.</summary>
    public void Nack(TimeSpan? delay = null) => Settle(new RedeliverLaterException(delay, "the consumer nacked it"));

    /// <summary>Tells the consumer at once, so an ack made before the enumeration ends is sent before it unsubscribes.</summary>
    private void Settle(Exception? failure)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            _consumer.Tell(new ConsumerActor.Handled(Message.SequenceNr, failure));
        }
    }
}
