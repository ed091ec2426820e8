namespace ClusterQueue.Node.Configuration;

/// <summary>The node's data folder, checked before the journal first needs it.</summary>
public static class DataFolder
{
    /// <summary>Creates the folder if missing and proves it is writable.</summary>
    /// <exception cref="NodeConfigurationException">The folder cannot be created or written.</exception>
    public static void Prepare(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NodeConfigurationException(NodeSetting.DataDir.Key, $"cannot create or write '{path}': {e.Message}");
        }
    }
}
