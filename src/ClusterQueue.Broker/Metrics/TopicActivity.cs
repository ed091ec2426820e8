using ClusterQueue.Broker.Topics;

namespace ClusterQueue.Broker.Metrics;

/// <summary>What one committed output did to a topic's messages, counted for metrics and rates.</summary>
public readonly record struct TopicActivity(long Published, long Delivered, long Redelivered, long Acked, long DeadLettered)
{
    public bool IsEmpty => this == default;

    public static TopicActivity Of(TopicOutput output)
    {
        long published = 0, acked = 0, deadLettered = 0, delivered = 0, redelivered = 0;
        foreach (var topicEvent in output.Events)
        {
            switch (topicEvent)
            {
                case MessagesAppended appended:
                    published += appended.Messages.Count;
                    break;
                case MessagesAcked messagesAcked:
                    acked += messagesAcked.SequenceNrs.Count;
                    break;
                case MessagesDeadLettered letters:
                    deadLettered += letters.Letters.Count;
                    break;
            }
        }

        foreach (var delivery in output.Deliveries)
        {
            foreach (var message in delivery.Messages)
            {
                delivered++;
                redelivered += message.Attempt > 1 ? 1 : 0;
            }
        }

        return new TopicActivity(published, delivered, redelivered, acked, deadLettered);
    }
}
