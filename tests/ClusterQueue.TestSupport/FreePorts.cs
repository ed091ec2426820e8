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

    /// <summary>A first port of <paramref name="count"/> consecutive free loopback ports.</summary>
    public static int TakeRange(int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var first = Random.Shared.Next(20000, 30000);
            var listeners = new List<TcpListener>();
            try
            {
                for (var port = first; port < first + count; port++)
                {
                    var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    listeners.Add(listener);
                }

                return first;
            }
            catch (SocketException)
            {
                // One of them is taken: try another range.
            }
            finally
            {
                listeners.ForEach(l => l.Stop());
            }
        }

        throw new InvalidOperationException($"no {count} consecutive free ports found between 20000 and 30000");
    }
}
