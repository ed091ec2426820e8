using Akka.Event;
using AkkaLogLevel = Akka.Event.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace ClusterQueue.Node.Hosting;

/// <summary>
/// Akka's fallback logger, used before the Microsoft.Extensions.Logging bridge starts and after it
/// stops: writes the same line format, so those lines carry the node address too.
/// </summary>
public sealed class NodeStdoutLogger : MinimalLogger
{
    /// <summary>
    /// Akka creates this logger by type name, with no way to pass arguments, so the address is
    /// per process: set once by the node host (one node per process outside tests).
    /// </summary>
    public static string NodeAddress { get; set; } = "";

    protected override void Log(object message)
    {
        if (message is LogEvent logEvent)
        {
            NodeLogLine.Write(
                Console.Out,
                ToLogLevel(logEvent.LogLevel()),
                NodeAddress,
                logEvent.LogSource,
                logEvent.Message?.ToString() ?? "",
                logEvent.Cause);
        }
    }

    private static LogLevel ToLogLevel(AkkaLogLevel level) => level switch
    {
        AkkaLogLevel.DebugLevel => LogLevel.Debug,
        AkkaLogLevel.InfoLevel => LogLevel.Information,
        AkkaLogLevel.WarningLevel => LogLevel.Warning,
        _ => LogLevel.Error,
    };
}
