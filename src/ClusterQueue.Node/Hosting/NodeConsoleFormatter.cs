using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace ClusterQueue.Node.Hosting;

public sealed class NodeConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>host:port of the node, written on every line so merged logs of many nodes stay readable.</summary>
    public string NodeAddress { get; set; } = "";
}

/// <summary>One line per event: time, level, node address, category, message (and the exception).</summary>
public sealed class NodeConsoleFormatter(IOptionsMonitor<NodeConsoleFormatterOptions> options)
    : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "clusterqueue-node";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        var category = logEntry.Category;
        if (AkkaLogSource(logEntry.State) is { } logSource)
        {
            // Akka's text repeats level, time and thread before the message; keep only the message.
            var prefix = $"[{logSource}] ";
            var start = message.IndexOf(prefix, StringComparison.Ordinal);
            message = start < 0 ? message : message[(start + prefix.Length)..];
            category = logSource;
        }

        NodeLogLine.Write(textWriter, logEntry.LogLevel, options.CurrentValue.NodeAddress, category, message, logEntry.Exception);
    }


    private static string? AkkaLogSource<TState>(TState state) =>
        state is IEnumerable<KeyValuePair<string, object?>> properties
            ? properties.FirstOrDefault(p => p.Key == "LogSource").Value?.ToString()
            : null;
}
