using System.Net;
using System.Net.Sockets;

namespace ClusterQueue.Client.Tests;

public sealed class GatewayClientSpec
{
    [Theory]
    [InlineData("127.0.0.1:4053", "127.0.0.1", 4053)]
    [InlineData("queue-0.queue.default.svc:4053", "queue-0.queue.default.svc", 4053)]
    public void A_contact_point_is_host_and_port(string text, string host, int port)
    {
        var contact = ContactPoint.Parse(text);

        Assert.Equal(new ContactPoint(host, port), contact);
        Assert.Equal($"akka.tcp://ClusterQueue@{host}:{port}/system/receptionist", contact.ReceptionistPath);
        Assert.Equal(text, contact.ToString());
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData(":4053")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:port")]
    [InlineData("two words:4053")]
    public void A_malformed_contact_point_is_named(string text)
    {
        var error = Assert.Throws<FormatException>(() => ContactPoint.Parse(text));

        Assert.Equal($"'{text}' is not a contact point: expected host:port with a port from 1 to 65535", error.Message);
    }

    [Fact]
    public async Task A_request_nobody_answers_fails_naming_the_contact_points_tried()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var unused = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var contacts = new[] { new ContactPoint("127.0.0.1", unused) };
        await using var client = GatewayClient.Connect(new GatewayClientOptions
        {
            ContactPoints = contacts,
            RequestTimeout = TimeSpan.FromSeconds(1),
        });

        var error = await Assert.ThrowsAsync<ClusterUnreachableException>(() => client.GetClusterMembersAsync());

        Assert.Equal(contacts, error.ContactPoints);
        Assert.Equal($"no ClusterQueue node answered within 1 s at 127.0.0.1:{unused}", error.Message);
    }

    [Fact]
    public void Connecting_without_contact_points_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => GatewayClient.Connect(new GatewayClientOptions { ContactPoints = [] }));

        Assert.StartsWith("at least one contact point is needed", error.Message, StringComparison.Ordinal);
    }
}
