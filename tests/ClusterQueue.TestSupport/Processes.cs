using System.Runtime.InteropServices;

namespace ClusterQueue.TestSupport;

public static partial class Processes
{
    public const int Sigint = 2;
    public const int Sigterm = 15;
    public const int Sigcont = 18;
    public const int Sigstop = 19;

    /// <summary>Sends a POSIX signal; throws when the kernel refuses.</summary>
    public static void Signal(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

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

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
