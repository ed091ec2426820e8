using System.Net;
using System.Net.Http.Json;
using ClusterQueue.Node.Hosting;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.TestSupport;

/// <summary>Reads a node's HTTP endpoints the way an orchestrator or an operator's script would.</summary>
public sealed class NodeHttp(int httpPort) : IDisposable
{
    private readonly HttpClient _http = new()
    {
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"),
        Timeout = TimeSpan.FromSeconds(3),
    };

    /// <summary>The status code of a GET, or null when nothing answers.</summary>
    public async Task<HttpStatusCode?> StatusOf(string path)
    {
        try
        {
            using var response = await _http.GetAsync(path);
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public async Task<bool> IsLive() => await StatusOf(NodeEndpoints.LivePath) == HttpStatusCode.OK;

    public async Task<bool> IsReady() => await StatusOf(NodeEndpoints.ReadyPath) == HttpStatusCode.OK;

    /// <summary>Membership as this node sees it, or null when it does not answer.</summary>
    public async Task<ClusterMembers?> Members()
    {
        try
        {
            return await _http.GetFromJsonAsync<ClusterMembers>(NodeEndpoints.MembersPath);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The node's metrics endpoint, parsed; null when it does not answer.</summary>
    public async Task<PrometheusScrape?> Metrics()
    {
        try
        {
            return PrometheusScrape.Parse(await _http.GetStringAsync(NodeEndpoints.MetricsPath));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>True when this node sees exactly these members, all Up and reachable.</summary>
    public async Task<bool> SeesExactlyUp(IEnumerable<int> remotingPorts)
    {
        var members = await Members();
        var expected = remotingPorts.Select(p => $"akka.tcp://ClusterQueue@127.0.0.1:{p}").Order().ToList();
        return members is not null
            && members.Members.Select(m => m.Address).Order().SequenceEqual(expected)
            && members.Members.All(m => m.Status == "Up" && m.Reachable);
    }

    public void Dispose() => _http.Dispose();
}
