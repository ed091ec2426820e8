using System.Text;
using Akka.Hosting;
using ClusterQueue.Client;
using ClusterQueue.Client.Hosting;
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
await client.PublishAsync("hello", Encoding.UTF8.GetBytes("hello, world"));

await host.StopAsync();
