using System.Globalization;

namespace ClusterQueue.Node.Hosting;

/// <summary>
/// The node's log line: time, level, node address, category, message. A multi-line message or an
/// exception's stack trace continues on lines with the same time, level and address, so every line
/// of merged node logs says where it came from.
/// </summary>
public static class NodeLogLine
{
    public static void Write(TextWriter writer, LogLevel level, string nodeAddress, string category, string message, Exception? exception)
    {
        var prefix = $"{DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)} {LevelName(level)} [{nodeAddress}] ";
        var text = exception is null ? message : $"{message}{Environment.NewLine}{exception}";
        var lines = text.Split('\n');
        writer.Write(prefix);
        writer.Write(category);
        writer.Write(": ");
        writer.WriteLine(lines[0].TrimEnd('\r'));
        foreach (var line in lines.Skip(1))
        {
            writer.Write(prefix);
            writer.Write("  ");
            writer.WriteLine(line.TrimEnd('\r'));
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
