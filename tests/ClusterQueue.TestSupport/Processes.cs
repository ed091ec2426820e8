namespace ClusterQueue.TestSupport;

public static class Processes
{
    /// <summary>
    /// True while the process runs; a zombie (exited, not yet reaped by a container's init) counts
    /// as gone.
    /// </summary>
    public static bool IsRunning(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }

        // Format: "pid (command) state ..."; the command may itself contain ") ".
        var afterCommand = stat[(stat.LastIndexOf(')') + 2)..];
        return afterCommand[0] != 'Z';
    }
}
