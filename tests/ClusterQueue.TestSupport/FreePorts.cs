using System.Net;
using System.Net.Sockets;

namespace ClusterQueue.TestSupport;

/// <summary>Loopback ports chosen at run time, so parallel test runs on one machine do not collide.</summary>
public static class FreePorts
{
    public static IReadOnlyList<int> Take(int count)
    {
        // All listeners are open at once, so the ports are distinct.
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
