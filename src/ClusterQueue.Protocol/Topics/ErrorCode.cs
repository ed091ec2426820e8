namespace ClusterQueue.Protocol.Topics;

/// <summary>
/// Why a request was refused. The numbers are part of the wire format and of scripts' expectations:
/// never renumber or reuse one; add new codes at the end.
/// </summary>
public enum ErrorCode
{
    /// <summary>Not an error; the zero value of the wire format.</summary>
    None = 0,

    /// <summary>Topic name empty, too long, or with characters outside [A-Za-z0-9._-].</summary>
    InvalidTopicName = 1,

    /// <summary>Group name empty, too long, or with characters outside [A-Za-z0-9._-].</summary>
    InvalidGroupName = 2,

    /// <summary>Producer or consumer id empty or too long.</summary>
    InvalidClientId = 3,

    /// <summary>A payload larger than the topic's limit.</summary>
    PayloadTooLarge = 4,

    /// <summary>Headers too many or too large.</summary>
    HeadersTooLarge = 5,

    /// <summary>The topic holds its max-length and its overflow policy is reject-publish.</summary>
    TopicFull = 6,

    /// <summary>A topic setting out of range.</summary>
    InvalidSettings = 7,

    /// <summary>No such topic (it was never created, or was deleted).</summary>
    TopicNotFound = 8,

    /// <summary>No such group on the topic.</summary>
    GroupNotFound = 9,

    /// <summary>No such consumer: it never subscribed, unsubscribed, or was dropped for silence.</summary>
    UnknownConsumer = 10,

    /// <summary>An ack, nack or extension of a message the group does not hold as unacked.</summary>
    UnknownDelivery = 11,

    /// <summary>Credit of zero or less.</summary>
    InvalidCredit = 12,

    /// <summary>A duration (TTL, delay, lease extension, redelivery delay) that is negative or too long.</summary>
    InvalidDuration = 13,

    /// <summary>A request the topic does not understand.</summary>
    UnknownCommand = 14,

    /// <summary>The journal refused or failed the write; nothing in it was confirmed.</summary>
    JournalWriteFailed = 15,

    /// <summary>A retried (producer, number) older than the producer window the topic remembers.</summary>
    ProducerSequenceTooOld = 16,

    /// <summary>A batch with no messages, or more than the topic accepts at once.</summary>
    InvalidBatch = 17,

    /// <summary>A request not allowed on a dead-letter topic, or only allowed on one.</summary>
    NotADeadLetterOperation = 18,
}
