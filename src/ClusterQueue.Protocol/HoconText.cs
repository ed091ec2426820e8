namespace ClusterQueue.Protocol;

public static class HoconText
{
    /// <summary>A value as a quoted HOCON string, so paths and connection strings keep their ':', '=' and '\'.</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
