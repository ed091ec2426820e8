using Akka.Actor;
using Akka.Hosting;
using ClusterQueue.Client;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;
using Microsoft.Data.Sqlite;

namespace ClusterQueue.Node.Tests.Support;

/// <summary>
/// The cluster the client's specs run against: two broker nodes and a member with role client, in
/// process, sharing a data folder.
/// </summary>
public sealed class BrokersAndClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dataDir;

    private BrokersAndClient(string dataDir, IReadOnlyList<InProcessNode> brokers, InProcessNode client)
    {
        _dataDir = dataDir;
        Brokers = brokers;
        Client = client;
    }

    public IReadOnlyList<InProcessNode> Brokers { get; }

    /// <summary>The member with role client, where producers and consumers run.</summary>
    public InProcessNode Client { get; }

    /// <summary>The client member's shard region proxy: where its topic commands go.</summary>
    public IActorRef Proxy => ActorRegistry.For(Client.System).Get<TopicRegion>();

    public static async Task<BrokersAndClient> StartAsync()
    {
        var dataDir = Directory.CreateTempSubdirectory("cq-client-specs-").FullName;
        var ports = FreePorts.Take(6);
        var seeds = ports.Take(2).ToList();
        var brokers = new List<InProcessNode>();
        for (var i = 0; i < 2; i++)
        {
            brokers.Add(await InProcessNode.StartAsync(ports[i], ports[i + 3], seeds, dataDir));
        }

        var client = await InProcessNode.StartAsync(ports[2], ports[5], seeds, Path.Combine(dataDir, "client"), roles: "client");
        await Eventually.Holds("two brokers and a client are Up", () => client.SeesOnlyUp(3), Timeout);
        return new BrokersAndClient(dataDir, brokers, client);
    }

    /// <summary>The brokers' remoting addresses: where a client connects, as a member or through the gateway.</summary>
    public IReadOnlyList<ContactPoint> ContactPoints => [.. Brokers.Select(b => new ContactPoint("127.0.0.1", b.Options.Port))];

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        foreach (var broker in Brokers)
        {
            await broker.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }
}
