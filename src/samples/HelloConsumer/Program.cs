using System.Text;
using Akka.Hosting;
using ClusterQueue.Client;
using ClusterQueue.Client.Consuming;
using ClusterQueue.Client.Hosting;
using ClusterQueue.Protocol.Topics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The client's settings come from the "ClusterQueue" section: appsettings.json, ClusterQueue__Mode=Member
// in the environment, or --ClusterQueue:Mode=Member on the command line; without any, the localhost cluster.
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services
    .AddClusterQueueClient(builder.Configuration.GetSection(QueueClientOptions.SectionName))
    .AddAkka(QueueClientHostingExtensions.ActorSystemName, (akka, services) => akka.WithClusterQueueClient(services));
using var host = builder.Build();
await host.StartAsync();

var client = host.Services.GetRequiredService<QueueClient>();
var fromTheStart = new ConsumerOptions { StartAt = StartPosition.Earliest };
var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
try
{
    await foreach (var message in client.ConsumeAsync("hello", "hello-readers", fromTheStart, stopping))
    {
        Console.WriteLine($"Received message: {Encoding.UTF8.GetString(message.Payload)}");
        message.Ack();
    }
}
catch (OperationCanceledException)
{
    // Ctrl-C or SIGTERM stops the host and the client; what was not acked goes back to the group.
}

await host.StopAsync();
