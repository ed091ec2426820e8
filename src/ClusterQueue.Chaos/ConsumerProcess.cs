using System.Text;
using ClusterQueue.Client;
using ClusterQueue.Client.Consuming;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Chaos;

/// <summary>
/// The runner's consumer, run as a process of its own (so it can be killed mid-handling): it
/// subscribes one group to every topic and records each delivery it handled to a file before
/// the handler returns (an ack) or throws (a nack, for poison messages).
/// </summary>
public static class ConsumerProcess
{
    public const string PoisonPrefix = "poison:";

    /// <summary>While this file exists in the run folder, the consumer named in it takes long over every message.</summary>
    public static string SlowFlag(string runDir, string name) => Path.Combine(runDir, $"slow-{name}");

    public static async Task<int> RunAsync(IReadOnlyList<ContactPoint> contactPoints, IReadOnlyList<string> topics, string group, string name, string runDir)
    {
        var incarnation = $"{name}#{Environment.ProcessId}";
        var file = Path.Combine(runDir, $"receives-{name}-{Environment.ProcessId}.tsv");
        await using var records = new StreamWriter(new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.Read), Encoding.UTF8) { AutoFlush = true };
        var slowFlag = SlowFlag(runDir, name);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

        await using var client = await ConnectAsync(contactPoints, stop.Token);
        var subscriptions = new List<IAsyncDisposable>();
        foreach (var topic in topics)
        {
            subscriptions.Add(await SubscribeAsync(client, topic, group, name, async (message, cancel) =>
            {
                var text = Encoding.UTF8.GetString(message.Message.Payload);
                var poison = text.StartsWith(PoisonPrefix, StringComparison.Ordinal);
                var record = new ReceiveRecord(poison ? text[PoisonPrefix.Length..] : text, message.Topic, message.Group, incarnation, message.Message.SequenceNr, message.Attempt, !poison, DateTime.UtcNow);
                lock (records)
                {
                    records.WriteLine(record.ToLine());
                }

                if (poison)
                {
                    throw new InvalidOperationException($"poison message {record.Id}");
                }

                if (File.Exists(slowFlag))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), cancel);
                }
            }, stop.Token));
        }

        Console.WriteLine($"{incarnation} consuming {string.Join(", ", topics)} for group {group}");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM or Ctrl-C: unsubscribe below, handing back what was not acked.
        }

        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync();
        }

        return 0;
    }

    /// <summary>Connects, retrying while the cluster is in the middle of a fault.</summary>
    private static async Task<QueueClient> ConnectAsync(IReadOnlyList<ContactPoint> contactPoints, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                return await QueueClient.ConnectAsync(new QueueClientOptions { ContactPoints = contactPoints, Hocon = "akka.loglevel = OFF\nakka.stdout-loglevel = OFF" }, stop);
            }
            catch (ClusterUnreachableException e)
            {
                Console.WriteLine($"connecting again: {e.Message}");
            }
        }
    }

    /// <summary>Subscribes, retrying while the topic is moving or its node is down.</summary>
    private static async Task<IAsyncDisposable> SubscribeAsync(
        QueueClient client, string topic, string group, string name, Func<ConsumedMessage, CancellationToken, Task> handler, CancellationToken stop)
    {
        var options = new ConsumerOptions
        {
            ConsumerId = $"{name}-{Environment.ProcessId}",
            StartAt = StartPosition.Earliest,
            Credit = 50,
            RedeliveryDelay = TimeSpan.FromMilliseconds(200),
        };
        while (true)
        {
            try
            {
                return await client.SubscribeAsync(topic, group, handler, options, stop);
            }
            catch (ClusterUnreachableException e)
            {
                Console.WriteLine($"subscribing to {topic} again: {e.Message}");
            }
        }
    }
}
