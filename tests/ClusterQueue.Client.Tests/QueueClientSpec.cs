using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace ClusterQueue.Client.Tests;

public sealed class QueueClientSpec
{
    private static IConfiguration Section(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>($"ClusterQueue:{v.Key}", v.Value)))
            .Build()
            .GetSection(QueueClientOptions.SectionName);

    private static int UnusedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public void Options_not_configured_reach_the_localhost_cluster_through_its_gateway()
    {
        var options = QueueClientOptions.From(Section());

        Assert.Equal(ConnectionMode.Gateway, options.Mode);
        Assert.Equal(ContactPoint.LocalhostSeeds, options.ContactPoints);
        Assert.Equal(("127.0.0.1", 0, 32, TimeSpan.FromSeconds(10), null), (options.ClientHost, options.ClientPort, options.Shards, options.RequestTimeout, options.Hocon));
    }

    [Fact]
    public void Options_are_read_from_configuration_with_contact_points_as_a_list_or_an_array()
    {
        var fromList = QueueClientOptions.From(Section(
            ("Mode", "member"),
            ("ContactPoints", "queue-0.queue:4053, queue-1.queue:4053"),
            ("ClientHost", "10.0.0.7"),
            ("ClientPort", "4060"),
            ("Shards", "64"),
            ("RequestTimeout", "00:00:30"),
            ("Hocon", "akka.loglevel = DEBUG")));
        var fromArray = QueueClientOptions.From(Section(("ContactPoints:0", "queue-0.queue:4053"), ("ContactPoints:1", "queue-1.queue:4053")));

        Assert.Equal(ConnectionMode.Member, fromList.Mode);
        Assert.Equal([new ContactPoint("queue-0.queue", 4053), new ContactPoint("queue-1.queue", 4053)], fromList.ContactPoints);
        Assert.Equal(fromList.ContactPoints, fromArray.ContactPoints);
        Assert.Equal("10.0.0.7", fromList.ClientHost);
        Assert.Equal(4060, fromList.ClientPort);
        Assert.Equal(64, fromList.Shards);
        Assert.Equal(TimeSpan.FromSeconds(30), fromList.RequestTimeout);
        Assert.Equal("akka.loglevel = DEBUG", fromList.Hocon);
    }

    [Theory]
    [InlineData("Mode", "Broker", "ClusterQueue client option Mode: 'Broker' is not valid: expected Gateway or Member")]
    [InlineData("ContactPoints", "127.0.0.1", "ClusterQueue client option ContactPoints: '127.0.0.1' is not a contact point: expected host:port with a port from 1 to 65535")]
    [InlineData("ClientPort", "70000", "ClusterQueue client option ClientPort: 70000 is not 0 (any free port) or a port from 1 to 65535")]
    [InlineData("ClientPort", "-1", "ClusterQueue client option ClientPort: '-1' is not valid")]
    [InlineData("Shards", "0", "ClusterQueue client option Shards: 0 is not a shard count of at least 1")]
    [InlineData("RequestTimeout", "soon", "ClusterQueue client option RequestTimeout: 'soon' is not valid")]
    [InlineData("RequestTimeout", "-00:00:01", "ClusterQueue client option RequestTimeout: -00:00:01 is not a positive time")]
    public void A_bad_option_is_named_with_its_value(string key, string value, string error)
    {
        var refused = Assert.Throws<ArgumentException>(() => QueueClientOptions.From(Section((key, value))));

        Assert.StartsWith(error, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ConnectionMode.Gateway)]
    [InlineData(ConnectionMode.Member)]
    public async Task Connecting_to_a_cluster_that_is_not_there_fails_naming_the_contact_points(ConnectionMode mode)
    {
        var port = UnusedPort();

        var error = await Assert.ThrowsAsync<ClusterUnreachableException>(() => QueueClient.ConnectAsync(new QueueClientOptions
        {
            Mode = mode,
            ContactPoints = [new ContactPoint("127.0.0.1", port)],
            RequestTimeout = TimeSpan.FromSeconds(2),
        }));

        Assert.Equal($"no ClusterQueue node answered within 2 s at 127.0.0.1:{port}", error.Message);
    }
}
