using System.CommandLine;
using ClusterQueue.Bench;
using ClusterQueue.Bench.Micro;
using Akka.Actor;
using ClusterQueue.Client;

var contact = new Option<string>("--contact", "-c") { Description = "A node of the cluster, host:port.", DefaultValueFactory = _ => "127.0.0.1:4053" };
var count = new Option<int>("--count") { Description = "Messages to publish.", DefaultValueFactory = _ => 100_000 };
var inFlight = new Option<int>("--in-flight") { Description = "Publishes awaiting confirmation at once.", DefaultValueFactory = _ => 1000 };
var batch = new Option<int>("--batch") { Description = "Messages per publish request.", DefaultValueFactory = _ => 1 };
var size = new Option<int>("--size") { Description = "Payload bytes per message.", DefaultValueFactory = _ => 100 };
var topic = new Option<string>("--topic") { Description = "Topic to publish to.", DefaultValueFactory = _ => "bench" };

var publishRate = new Command("publish-rate", "One producer, one topic: confirmed publishes per second.") { contact, count, inFlight, batch, size, topic };
publishRate.SetAction(async parse =>
{
    var options = new PublishRate.Options(parse.GetValue(count), parse.GetValue(inFlight), parse.GetValue(batch), parse.GetValue(size), parse.GetValue(topic)!);
    await using var client = GatewayClient.Connect(new GatewayClientOptions
    {
        ContactPoints = [ContactPoint.Parse(parse.GetValue(contact)!)],
        RequestTimeout = TimeSpan.FromSeconds(60),
    });
    Console.WriteLine($"publish-rate: {options.Count} messages of {options.PayloadBytes} B to '{options.Topic}', {options.InFlight} in flight, {options.Batch} per request");
    var result = await PublishRate.RunAsync(async publish => await client.RequestAsync(publish), options, Console.Out);
    Console.WriteLine($"confirmed {result.Confirmed} in {result.Elapsed.TotalSeconds:0.00} s: {result.PerSecond:0} confirmed publishes/s");
    return 0;
});

var groupCommit = new Option<bool>("--group-commit") { Description = "Write the commands arriving during a write together (on) or each on its own (off).", DefaultValueFactory = _ => true };
var topicRate = new Command("topic-rate", "One producer, one topic, on a one-node cluster started here, through its shard region: confirmed publishes per second.")
{
    count, inFlight, batch, size, topic, groupCommit,
};
topicRate.SetAction(async parse =>
{
    var options = new PublishRate.Options(parse.GetValue(count), parse.GetValue(inFlight), parse.GetValue(batch), parse.GetValue(size), parse.GetValue(topic)!);
    var commit = parse.GetValue(groupCommit);
    await using var node = await OneNode.StartAsync($"akka.loglevel = WARNING\nclusterqueue.topics.group-commit = {(commit ? "on" : "off")}");
    Console.WriteLine($"topic-rate: {options.Count} messages of {options.PayloadBytes} B to '{options.Topic}', {options.InFlight} in flight, {options.Batch} per publish, group commit {(commit ? "on" : "off")}");
    var topics = node.Topics;
    var result = await PublishRate.RunAsync(publish => topics.Ask<object>(publish, TimeSpan.FromSeconds(60)), options, Console.Out);
    Console.WriteLine($"confirmed {result.Confirmed} in {result.Elapsed.TotalSeconds:0.00} s: {result.PerSecond:0} confirmed publishes/s");
    return 0;
});

var workloads = new Argument<string[]>("workloads")
{
    Description = $"Workloads to run, in order: {string.Join(", ", Workloads.Names)}, or all.",
    DefaultValueFactory = _ => ["all"],
};
var nodes = new Option<int>("--nodes") { Description = "Nodes of the localhost cluster started here (ignored with --contact).", DefaultValueFactory = _ => 3 };
var connectTo = new Option<string?>("--connect") { Description = "Run against a running cluster instead: its contact points, host:port,..." };
var runCount = new Option<long>("--count") { Description = "Messages to publish per workload; 0 = publish for --duration.", DefaultValueFactory = _ => 0 };
var duration = new Option<double>("--duration") { Description = "Seconds each workload publishes when --count is 0.", DefaultValueFactory = _ => 15 };
var rate = new Option<int>("--rate") { Description = "Messages per second of the latency workload.", DefaultValueFactory = _ => 5000 };
var runInFlight = new Option<int>("--in-flight") { Description = "Publishes awaiting confirmation per producer.", DefaultValueFactory = _ => 1000 };
var runSize = new Option<int>("--size") { Description = "Payload bytes per message (16 or more: publish time and number).", DefaultValueFactory = _ => 100 };
var warmup = new Option<double>("--warmup") { Description = "Seconds of unmeasured traffic each workload runs on its own topics before it measures (JIT, topic locations).", DefaultValueFactory = _ => 3 };
var json = new Option<bool>("--json") { Description = "Print the figures as JSON (progress goes to stderr)." };
var pendingCount = new Option<int>("--pending") { Description = "Messages the memory and recovery workloads leave pending in their topic.", DefaultValueFactory = _ => 100_000 };
var nodeLogs = new Option<string?>("--node-logs") { Description = "Folder to write each started node's output to (node-<port>.log, every line timestamped), to see where a workload's time went." };
var run = new Command("run", "End to end through the client API: publish with confirms, consume with acks, on a cluster started here or a running one.")
{
    workloads, nodes, connectTo, runCount, duration, rate, runInFlight, runSize, warmup, json, pendingCount, nodeLogs,
};
run.SetAction(async (parse, cancel) =>
{
    var settings = new Workloads.Settings(parse.GetValue(runCount), TimeSpan.FromSeconds(parse.GetValue(duration)), parse.GetValue(rate), parse.GetValue(runInFlight), parse.GetValue(runSize), TimeSpan.FromSeconds(parse.GetValue(warmup)));
    var chosen = Workloads.Choose(parse.GetValue(workloads)!, settings);
    if (chosen.Error is { } error || parse.GetValue(pendingCount) < 1)
    {
        Console.Error.WriteLine($"bench: {chosen.Error ?? "--pending must be 1 or more"}");
        return 2;
    }

    // The figures (and, without --json, the progress) go to stdout; anything else this process
    // prints, such as the clients' Akka log lines when a node dies, goes to stderr.
    var figuresOut = Console.Out;
    Console.SetOut(Console.Error);
    var progress = parse.GetValue(json) ? Console.Error : figuresOut;
    var contacts = parse.GetValue(connectTo);

    // The probe runs before the nodes start here, so it measures the disk, not the nodes' start-up.
    var disk = DiskProbe.Measure(Path.GetTempPath(), TimeSpan.FromSeconds(3));
    await using var cluster = contacts is null ? await LocalCluster.StartAsync(parse.GetValue(nodes), new Dictionary<string, string>(), progress, parse.GetValue(nodeLogs)) : null;
    var contactPoints = cluster?.ContactPoints ?? [.. contacts!.Split(',').Select(ContactPoint.Parse)];
    var machine = new BenchMachine(
        Environment.ProcessorCount,
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        disk,
        cluster is null ? $"running cluster at {contacts}" : $"{cluster.Nodes.Count} node processes started here (SQLite journal, shipped hocon/)");

    var reports = new List<WorkloadReport>();
    Memory.Result? memory = null;
    Recovery.Result? recovery = null;
    var pending = parse.GetValue(pendingCount);
    foreach (var name in chosen.Workloads)
    {
        if (Workloads.LocalOnly.Contains(name) && cluster is null)
        {
            await progress.WriteLineAsync($"{name}: skipped, it reads the nodes' processes, so it needs the cluster started here (no --connect)");
            continue;
        }

        if (name == "memory")
        {
            await progress.WriteLineAsync($"memory: {pending:N0} pending messages of {settings.PayloadBytes} B, no consumer");
            memory = await Memory.RunAsync(cluster!, pending, settings.PayloadBytes, progress, cancel);
            continue;
        }

        if (name == "recovery")
        {
            await progress.WriteLineAsync($"recovery: {pending:N0} pending messages, their node killed while a consumer drains them");
            recovery = await Recovery.RunAsync(cluster!, pending, settings.PayloadBytes, progress, cancel);
            continue;
        }

        var workload = Workloads.Of(name, settings);
        await progress.WriteLineAsync($"{workload.Name}: {workload.Topics} topic(s), {workload.Producers} producer(s), {workload.Consumers} consumer(s) per group, {workload.Groups} group(s), {(workload.Rate > 0 ? $"{workload.Rate:N0} msg/s" : "as fast as it goes")}, {workload.PayloadBytes} B, {workload.Warmup.TotalSeconds:0.#} s warm-up");
        var before = cluster?.Nodes.Select(n => n.CpuTime()).ToList();
        var othersBefore = OtherLoad.Take();
        var result = await EndToEnd.RunAsync(workload, contactPoints, progress, cancel);
        var costs = cluster is null ? [] : cluster.Nodes.Select((n, i) => new NodeCost($"127.0.0.1:{n.Port}", (n.CpuTime() - before![i]).TotalSeconds, n.PeakResidentBytes() / 1024.0 / 1024.0)).ToList();
        reports.Add(new WorkloadReport(result, costs, OtherLoad.Since(othersBefore)));
    }

    var figures = new BenchFigures(machine, reports, memory, recovery);
    await figuresOut.WriteLineAsync(parse.GetValue(json) ? EndToEndReport.ToJson(figures) : EndToEndReport.Table(figures));
    return reports.Any(r => r.Result.Missing > 0) || recovery?.Missing > 0 ? 1 : 0;
});

var micro = new Command("micro", "BenchmarkDotNet microbenchmarks of the topic's state machine and the serializers; other arguments go to BenchmarkDotNet (--filter, --job short, --list flat, ...).")
{
    TreatUnmatchedTokensAsErrors = false,
};
micro.SetAction(parse => MicroBenchmarks.Run(parse.UnmatchedTokens));

return await new RootCommand("ClusterQueue load generator.") { run, micro, publishRate, topicRate }.Parse(args).InvokeAsync();
