using System.CommandLine;
using System.Diagnostics;
using ClusterQueue.Chaos;
using ClusterQueue.Client;

var seed = new Option<int?>("--seed") { Description = "Seed of the fault schedule and the workload; printed, so a failing run can be replayed. Default: random." };
var duration = new Option<TimeSpan>("--duration") { Description = "Faults keep coming this long (and until every kind came once).", DefaultValueFactory = _ => TimeSpan.FromMinutes(10) };
var brokers = new Option<int>("--brokers") { Description = "Broker node processes.", DefaultValueFactory = _ => 5 };
var topics = new Option<int>("--topics") { Description = "Topics published to.", DefaultValueFactory = _ => 4 };
var rate = new Option<int>("--rate") { Description = "Messages published per second.", DefaultValueFactory = _ => 200 };
var poison = new Option<double>("--poison") { Description = "Share of messages every handler fails on.", DefaultValueFactory = _ => 0.005 };
var journal = new Option<JournalKind>("--journal") { Description = "Sqlite (files in the shared data folder) or PostgreSql (a server of the run's own, started with .ci/postgres.sh).", DefaultValueFactory = _ => JournalKind.Sqlite };
var runDir = new Option<string?>("--run-dir") { Description = "Folder for node logs, journals and consumer records. Default: a new temporary folder." };

var run = new RootCommand("The chaos run: a localhost cluster under load with brokers killed, paused and restarted, consumers killed, the journal locked; exits 1 if anything confirmed was lost.")
{
    seed, duration, brokers, topics, rate, poison, journal, runDir,
};
run.SetAction(async parse =>
{
    var options = new ChaosOptions(
        parse.GetValue(seed) ?? Random.Shared.Next(),
        parse.GetValue(duration),
        parse.GetValue(brokers),
        parse.GetValue(topics),
        Producers: 2,
        parse.GetValue(rate),
        parse.GetValue(poison),
        parse.GetValue(runDir) ?? Directory.CreateTempSubdirectory("cq-chaos-").FullName)
    {
        Journal = parse.GetValue(journal),
    };
    if (options.Brokers < 3 || options.Topics < 1 || options.Rate < 1 || options.PoisonShare is < 0 or > 0.5)
    {
        Console.Error.WriteLine("cq chaos: need at least 3 brokers (the seeds), 1 topic, a rate of at least 1, and a poison share from 0 to 0.5");
        return 2;
    }

    if (Directory.Exists(options.RunDir) && Directory.EnumerateFileSystemEntries(options.RunDir).Any())
    {
        // A previous run's journal there would be recovered into this run's topics and fail its check.
        Console.Error.WriteLine($"cq chaos: --run-dir {options.RunDir} is not empty; give a new or empty folder");
        return 2;
    }

    var clock = Stopwatch.StartNew();
    var summary = await new ChaosRun(options, Console.Out).RunAsync();
    Console.WriteLine();
    Console.WriteLine(Report.Table(summary, options, clock.Elapsed));
    await File.WriteAllTextAsync(Path.Combine(options.RunDir, "summary.json"), Report.Json(summary, options));
    return summary.Passed ? 0 : 1;
});

var contacts = new Option<string>("--contacts") { Required = true };
var consumeTopics = new Option<string>("--topics") { Required = true };
var group = new Option<string>("--group") { Required = true };
var name = new Option<string>("--name") { Required = true };
var consumerRunDir = new Option<string>("--run-dir") { Required = true };
var consume = new Command("consume", "A consumer process of the run (started by the runner).") { contacts, consumeTopics, group, name, consumerRunDir };
consume.SetAction(async parse => await ConsumerProcess.RunAsync(
    [.. parse.GetValue(contacts)!.Split(',').Select(ContactPoint.Parse)],
    parse.GetValue(consumeTopics)!.Split(','),
    parse.GetValue(group)!,
    parse.GetValue(name)!,
    parse.GetValue(consumerRunDir)!));
run.Subcommands.Add(consume);

return await run.Parse(args).InvokeAsync();
