using System.CommandLine;
using ClusterQueue.Bench;
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

return await new RootCommand("ClusterQueue load generator.") { publishRate, topicRate }.Parse(args).InvokeAsync();
