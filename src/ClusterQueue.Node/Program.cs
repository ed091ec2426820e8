using System.Collections;
using Akka.Actor;
using ClusterQueue.Node.Configuration;
using ClusterQueue.Node.Hosting;

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine("ClusterQueue.Node: a broker node of a ClusterQueue cluster.");
    Console.WriteLine("Each setting is read from its environment variable; the option overrides it.");
    foreach (var setting in NodeSetting.All)
    {
        Console.WriteLine($"  --{setting.Option,-27} {setting.EnvironmentVariable,-29} default: {setting.Default}");
        Console.WriteLine($"      {setting.Description}");
    }

    return 0;
}

WebApplication app;
try
{
    var environment = Environment.GetEnvironmentVariables()
        .Cast<DictionaryEntry>()
        .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
    var options = NodeOptions.Parse(environment, args, Environment.CurrentDirectory, AppContext.BaseDirectory);
    var akkaConfig = NodeHocon.Load(options);
    DataFolder.Prepare(options.DataDir);
    app = NodeHost.Build(options, akkaConfig);
}
catch (NodeConfigurationException e)
{
    Console.Error.WriteLine($"ClusterQueue.Node: invalid configuration: {e.Message}");
    return 2;
}

var system = app.Services.GetRequiredService<ActorSystem>();
await app.RunAsync();

// A downed node exits non-zero so an orchestrator sees a failure and restarts it into the cluster.
return NodeHost.WasDowned(system) ? 1 : 0;
