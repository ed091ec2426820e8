using System.Globalization;
using System.Text;
using System.Text.Json;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Cli.Commands;

/// <summary>Output of cq's queue commands.</summary>
public static class QueueView
{
    private const int PayloadShown = 80;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>One line per running topic (name | node | pending | in flight | groups | consumers | rates), then the count.</summary>
    public static string Render(IReadOnlyList<TopicRow> rows)
    {
        var lines = rows.Select(r => r.Stats is { } s
            ? $"{r.Topic} | {r.Node} | pending: {s.Pending} | in flight: {s.InFlight} | groups: {s.Groups.Count} | consumers: {s.Consumers} | publish: {Rate(s.PublishRate)} | deliver: {Rate(s.DeliverRate)}"
            : $"{r.Topic} | {r.Node} | (no answer)");
        return string.Join(Environment.NewLine, lines.Append($"Count: {rows.Count} topic{(rows.Count == 1 ? "" : "s")}"));
    }

    public static object ForJson(TopicRow row) => new
    {
        row.Topic,
        row.Node,
        row.Stats?.Pending,
        row.Stats?.InFlight,
        Groups = row.Stats?.Groups.Count,
        row.Stats?.Consumers,
        row.Stats?.PublishRate,
        row.Stats?.DeliverRate,
    };

    /// <summary>Messages per second, averaged over the topic's last 10 seconds.</summary>
    public static string Rate(double perSecond) => $"{perSecond.ToString("0.#", CultureInfo.InvariantCulture)}/s";

    /// <summary>The topic's counters, one group per line, then its settings.</summary>
    public static string Render(TopicStats stats)
    {
        var lines = new List<string>
        {
            $"Topic: {stats.Topic}",
            $"Pending: {stats.Pending} | In flight: {stats.InFlight} | Consumers: {stats.Consumers} | Last sequence number: {stats.LastSequenceNr}",
        };
        if (stats.Forwarding > 0)
        {
            lines.Add($"Forwarding: {stats.Forwarding} (stored here, not yet confirmed by the topic they go to; resent until it confirms)");
        }

        lines.AddRange(stats.Groups.Select(g =>
            $"Group {g.Group} | lag: {g.Lag} | in flight: {g.InFlight} | consumers: {g.Consumers} | dead-lettered: {g.DeadLettered}"));
        if (stats.Groups.Count == 0)
        {
            lines.Add("No groups yet: messages wait for the first subscription.");
        }

        lines.Add($"Settings: {Render(stats.Settings)}");
        return string.Join(Environment.NewLine, lines);
    }

    public static string Render(TopicSettings settings) => string.Join(
        ", ",
        $"max-length {settings.MaxLength}",
        $"overflow {settings.Overflow}",
        $"ack-timeout {Seconds(settings.AckTimeout)}",
        $"max-deliveries {(settings.MaxDeliveries == 0 ? "unlimited" : settings.MaxDeliveries.ToString(CultureInfo.InvariantCulture))}",
        $"default-ttl {(settings.DefaultTtl is { } ttl ? Seconds(ttl) : "none")}",
        $"expiry {settings.Expiry}",
        $"durability {settings.Durability}",
        $"max-payload-bytes {settings.MaxPayloadBytes}",
        $"consumer-timeout {Seconds(settings.ConsumerTimeout)}",
        $"message-id-window {settings.MessageIdWindow}");

    /// <summary>One line per message: sequence number | published | message id | payload (text, shortened).</summary>
    public static string Render(PeekResult peek, bool deadLetters = false)
    {
        if (peek.Messages.Count == 0)
        {
            return $"No messages in {peek.Topic}.";
        }

        return string.Join(Environment.NewLine, peek.Messages.Select(m =>
        {
            var line = $"#{m.SequenceNr} | {m.PublishedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss} | {m.MessageId ?? "-"} | {Text(m.Payload)}";
            return deadLetters ? line + " | " + DeadLetterOf(m) : line;
        }));
    }

    public static string RenderJson(object value) => JsonSerializer.Serialize(value, Json);

    /// <summary>A message as JSON for scripts: the payload as text when it is UTF-8, else base64.</summary>
    public static object ForJson(TopicMessage message) => new
    {
        message.SequenceNr,
        message.MessageId,
        message.PublishedAt,
        message.Headers,
        Payload = IsText(message.Payload) ? Encoding.UTF8.GetString(message.Payload) : null,
        PayloadBase64 = IsText(message.Payload) ? null : Convert.ToBase64String(message.Payload),
    };

    /// <summary>The payload as one line of text: UTF-8 shortened to 80 characters, else its size.</summary>
    public static string Text(byte[] payload)
    {
        if (!IsText(payload))
        {
            return $"({payload.Length} bytes, not text)";
        }

        var text = Encoding.UTF8.GetString(payload).ReplaceLineEndings(" ");
        return text.Length <= PayloadShown ? text : text[..PayloadShown] + "…";
    }

    private static string DeadLetterOf(TopicMessage message)
    {
        string Header(string name) => message.Headers.GetValueOrDefault(name, "?");
        return $"group {Header(DeadLetterHeaders.Group)}, {Header(DeadLetterHeaders.Reason)} after {Header(DeadLetterHeaders.Attempts)} deliveries";
    }

    private static bool IsText(byte[] payload)
    {
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
}

/// <summary>A running topic, where it runs, and its counters (null when it did not answer).</summary>
public sealed record TopicRow(string Topic, string Node, TopicStats? Stats);
