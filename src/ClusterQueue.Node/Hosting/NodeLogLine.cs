using System.Globalization;

namespace ClusterQueue.Node.Hosting;

/// <summary>The node's log line: time, level, node address, category, message, then any exception.</summary>
public static class NodeLogLine
{
    public static void Write(TextWriter writer, LogLevel level, string nodeAddress, string category, string message, Exception? exception)
    {
        writer.Write(DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        writer.Write(' ');
        writer.Write(LevelName(level));
        writer.Write(" [");
        writer.Write(nodeAddress);
        writer.Write("] ");
        writer.Write(category);
        writer.Write(": ");
        writer.WriteLine(message);
        if (exception is not null)
        {
            writer.WriteLine(exception.ToString());
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO ",
        LogLevel.Warning => "WARN ",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "FATAL",
        _ => "     ",
    };
}
