using System.Text;
using Akka.Hosting;
using ClusterQueue.Client;
using ClusterQueue.Client.Consuming;
using ClusterQueue.Client.Hosting;
using ClusterQueue.Protocol.Topics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// appsettings.json beside the program holds the client's settings, wherever it is started from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
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
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    // Ctrl-C or SIGTERM: the unacked messages go back to the group as the consumer stops.
}

await host.StopAsync();
