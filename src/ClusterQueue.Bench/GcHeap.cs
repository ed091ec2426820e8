using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace ClusterQueue.Bench;

/// <summary>
/// The managed heap another .NET process keeps alive: a full blocking collection induced through its
/// diagnostics port (as dotnet-gcdump does), and the heap size that collection left. Unlike resident
/// memory, this leaves out garbage not yet collected and memory the runtime has not returned.
/// </summary>
public static class GcHeap
{
    public static async Task<long> AfterFullCollectionAsync(int processId, TimeSpan timeout)
    {
        var client = new DiagnosticsClient(processId);
        var providers = new[]
        {
            new EventPipeProvider(
                ClrTraceEventParser.ProviderName,
                EventLevel.Informational,
                (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect)),
        };
        using var session = await client.StartEventPipeSessionAsync(providers, requestRundown: false, circularBufferMB: 16, CancellationToken.None);
        var heapSize = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var source = new EventPipeEventSource(session.EventStream);
        var fullCollection = false;
        source.Clr.GCStart += start => fullCollection = start.Depth == 2;
        source.Clr.GCHeapStats += stats =>
        {
            if (fullCollection)
            {
                heapSize.TrySetResult(stats.TotalHeapSize);
            }
        };
        var reading = Task.Run(source.Process);
        try
        {
            return await heapSize.Task.WaitAsync(timeout);
        }
        finally
        {
            await session.StopAsync(CancellationToken.None);
            await reading;
        }
    }
}
