using System.Text;
using Akka.Hosting;
using ClusterQueue.Client;
using ClusterQueue.Client.Hosting;
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
await client.PublishAsync("hello", Encoding.UTF8.GetBytes("hello, world"));

await host.StopAsync();
