using System.Buffers;

namespace ClusterQueue.Protocol.Topics;

/// <summary>Rules for names that become persistence ids, file names and paths.</summary>
public static class TopicNames
{
    public const int MaxTopicLength = 200;
    public const int MaxGroupLength = 100;
    public const int MaxClientIdLength = 200;

    /// <summary>Suffix of the dead-letter topic that each topic has.</summary>
    public const string DeadLetterSuffix = ".dlq";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    public static bool IsDeadLetterTopic(string topic) => topic.EndsWith(DeadLetterSuffix, StringComparison.Ordinal);

    public static string DeadLetterTopicOf(string topic) => topic + DeadLetterSuffix;

    /// <summary>The problem with a topic name, or null when it is valid.</summary>
    public static string? ValidateTopic(string? name) => Validate("topic", name, MaxTopicLength);

    /// <summary>The problem with a group name, or null when it is valid.</summary>
    public static string? ValidateGroup(string? name) => Validate("group", name, MaxGroupLength);

    /// <summary>The problem with a producer or consumer id, or null when it is valid.</summary>
    public static string? ValidateClientId(string what, string? id) =>
        string.IsNullOrEmpty(id) ? $"{what} id must not be empty"
        : id.Length > MaxClientIdLength ? $"{what} id is {id.Length} characters; at most {MaxClientIdLength} are allowed"
        : null;

    private static string? Validate(string what, string? name, int maxLength)
    {
        if (string.IsNullOrEmpty(name))
        {
            return $"{what} name must not be empty";
        }

        if (name.Length > maxLength)
        {
            return $"{what} name is {name.Length} characters; at most {maxLength} are allowed";
        }

        var bad = name.AsSpan().IndexOfAnyExcept(Allowed);
        if (bad >= 0)
        {
            return $"{what} name '{name}' has '{name[bad]}' at {bad}; only letters, digits, '.', '_' and '-' are allowed";
        }

        return name is "." or ".." ? $"{what} name must not be '{name}'" : null;
    }
}
