using Akka.Actor;
using Akka.Hosting;
using ClusterQueue.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterQueue.Client.Hosting;

/// <summary>
/// Registers a <see cref="QueueClient"/> in an application that hosts Akka.NET with Akka.Hosting:
/// <c>services.AddClusterQueueClient(configuration.GetSection("ClusterQueue"))</c> for the options
/// and the client, and <c>builder.WithClusterQueueClient(serviceProvider)</c> inside
/// <c>services.AddAkka(ClusterQueueClientHosting.ActorSystemName, ...)</c> for what the actor system runs.
/// </summary>
public static class QueueClientHostingExtensions
{
    /// <summary>The name to give the hosted actor system: a member of the cluster must share the cluster's.</summary>
    public const string ActorSystemName = ClusterNames.ActorSystem;

    /// <summary>Binds the options from a configuration section (see <see cref="QueueClientOptions.From"/>) and registers the client.</summary>
    /// <exception cref="ArgumentException">A configured value is not valid; the message names its key.</exception>
    public static IServiceCollection AddClusterQueueClient(this IServiceCollection services, IConfiguration section) =>
        services.AddClusterQueueClient(QueueClientOptions.From(section));

    /// <summary>Registers the options and the client, which runs in the hosted actor system.</summary>
    public static IServiceCollection AddClusterQueueClient(this IServiceCollection services, QueueClientOptions options)
    {
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton(provider => new QueueClient(
            async () => new QueueClient.Connection(
                provider.GetRequiredService<ActorSystem>(),
                await provider.GetRequiredService<IRequiredActor<ClusterQueueTopics>>().GetAsync()),
            options,
            ownsSystem: false));
        return services;
    }

    /// <summary>Configures the hosted actor system for the options registered by <see cref="AddClusterQueueClient(IServiceCollection, QueueClientOptions)"/>.</summary>
    public static AkkaConfigurationBuilder WithClusterQueueClient(this AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithClusterQueueClient(provider.GetRequiredService<QueueClientOptions>());

    /// <summary>
    /// Configures the hosted actor system to reach the cluster as the options say (remoting, and in
    /// member mode clustering) and starts the endpoint topic commands go to.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterQueueClient(this AkkaConfigurationBuilder builder, QueueClientOptions options) =>
        builder
            .AddHocon(ClientHocon.For(options), HoconAddMode.Prepend)
            .WithActors((system, registry) => registry.Register<ClusterQueueTopics>(ClusterQueueTopics.Start(system, options)));
}
