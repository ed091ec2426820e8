using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Serialization;

namespace ClusterQueue.Client;

/// <summary>The Akka configuration of a client's actor system, for either connection mode.</summary>
internal static class ClientHocon
{
    /// <summary>The cluster's own files (embedded from hocon/): a member must detect failures and resolve splits as the brokers do.</summary>
    private static readonly string[] MemberFiles = ["remote.conf", "cluster.conf", "sharding.conf"];

    public static Config For(QueueClientOptions options)
    {
        var own = options.Hocon is null ? Config.Empty : ConfigurationFactory.ParseString(options.Hocon);
        var mode = options.Mode == ConnectionMode.Member ? Member(options) : Gateway(options.ContactPoints, options.ClientHost, options.ClientPort);
        return own.WithFallback(mode);
    }

    public static Config Gateway(IReadOnlyList<ContactPoint> contactPoints, string clientHost, int clientPort)
    {
        var contacts = string.Join(", ", contactPoints.Select(c => HoconText.Quote(c.ReceptionistPath)));
        return ConfigurationFactory.ParseString(
                $$"""
                akka {
                  actor.provider = remote
                  remote.dot-netty.tcp { hostname = {{HoconText.Quote(clientHost)}}, port = {{clientPort}} }
                  # A client's own Akka chatter (connection retries) would drown its application's output.
                  loglevel = ERROR
                  stdout-loglevel = ERROR
                  log-dead-letters = off
                  cluster.client {
                    initial-contacts = [{{contacts}}]
                    # ClusterClient's protobuf envelope around our own serializer, not JSON.
                    use-legacy-serialization = off
                    establishing-get-contacts-interval = 1s
                    # A broker that stops (a rolling restart) takes its receptionist along; until the
                    # client gives up on it, every command and ack is lost, consumers are cut off and
                    # their leases run out. Akka's 13 s default let healthy messages be dead-lettered
                    # (chaos run, seed 99); 4 s moves the client to another broker first.
                    heartbeat-interval = 1s
                    acceptable-heartbeat-pause = 4s
                  }
                }
                """)
            .WithFallback(ClusterQueueSerializer.Configuration)
            .WithFallback(ClusterClientReceptionist.DefaultConfig())
            // The receptionist takes DistributedPubSub's Send: without its serializer the envelope,
            // and the command in it, would go out as JSON, slow and tied to the sender's types.
            .WithFallback(DistributedPubSub.DefaultConfig());
    }

    private static Config Member(QueueClientOptions options)
    {
        var seeds = string.Join(", ", options.ContactPoints.Select(c => HoconText.Quote($"akka.tcp://{ClusterNames.ActorSystem}@{c.Host}:{c.Port}")));
        var perClient = ConfigurationFactory.ParseString(
            $$"""
            akka {
              remote.dot-netty.tcp { hostname = {{HoconText.Quote(options.ClientHost)}}, public-hostname = "", port = {{options.ClientPort}} }
              cluster.seed-nodes = [{{seeds}}]
              cluster.roles = [{{HoconText.Quote(NodeRoles.Client)}}]
              loglevel = WARNING
              log-dead-letters = off
            }
            """);
        return MemberFiles.Aggregate(perClient, (config, file) => config.WithFallback(Embedded(file)))
            .WithFallback(ClusterQueueSerializer.Configuration)
            .WithFallback(ClusterSharding.DefaultConfig())
            // Brokers' receptionists gossip DistributedPubSub to every member: a member needs its serializer to read it.
            .WithFallback(DistributedPubSub.DefaultConfig());
    }

    private static Config Embedded(string file)
    {
        using var stream = typeof(ClientHocon).Assembly.GetManifestResourceStream($"hocon/{file}")
            ?? throw new InvalidOperationException($"hocon/{file} is not embedded in {typeof(ClientHocon).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
