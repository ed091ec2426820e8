using Akka.Actor;
using ClusterQueue.Client.Producing;

namespace ClusterQueue.Client.Tests;

/// <summary>A producer whose cluster never answers: memory bounded by the window, callers time out.</summary>
public sealed class ProducerBackPressureSpec : IAsyncLifetime
{
    private ActorSystem _system = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("producer-spec");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _system.Terminate();

    [Fact]
    public async Task With_the_cluster_away_a_producer_holds_at_most_its_window_and_every_caller_times_out()
    {
        // Where topic commands would go, with nobody answering: the cluster is unreachable.
        var nowhere = _system.ActorOf(Props.Create(() => new Silence()));
        const int window = 50;
        var producer = QueueProducer.Create(_system, nowhere, "orders", new ProducerOptions
        {
            Window = window,
            RequestTimeout = TimeSpan.FromMilliseconds(300),
            PublishTimeout = TimeSpan.FromSeconds(1),
        });
        var peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, producer.Unconfirmed);
                await Task.Delay(5, CancellationToken.None);
            }
        }, CancellationToken.None);

        var publishes = Enumerable.Range(0, 200).Select(_ => producer.PublishAsync(new byte[100])).ToList();
        var outcomes = await Task.WhenAll(publishes.Select(async p =>
        {
            try
            {
                await p;
                return null;
            }
            catch (TimeoutException e)
            {
                return e;
            }
        }));
        await sampling.CancelAsync();
        await sampler;

        Assert.All(outcomes, Assert.NotNull);
        Assert.InRange(peak, 1, window);
        Assert.Equal(0, producer.Unconfirmed);
        await producer.DisposeAsync();
    }

    private sealed class Silence : ReceiveActor
    {
        public Silence() => ReceiveAny(_ => { });
    }
}
