namespace ClusterQueue.TestSupport;

public static class Repository
{
    /// <summary>The folder holding ClusterQueue.sln, found upwards from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClusterQueue.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no ClusterQueue.sln above {AppContext.BaseDirectory}");
    }
}
