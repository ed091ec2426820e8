using System.Text;
using ClusterQueue.Client;
using ClusterQueue.Client.Consuming;
using ClusterQueue.Protocol.Topics;
using ClusterQueue.TestSupport;

namespace ClusterQueue.Node.Tests.Cq;

/// <summary>The nodes' Prometheus endpoint, scraped after real traffic on the shared cluster.</summary>
[Collection(CqReadOnlyTests.Name)]
public sealed class NodeMetricsSpec(ThreeNodeCluster cluster)
{
    private const string Topic = "metrics-orders";
    private const string Group = "billing";

    [Fact]
    public async Task Nodes_export_each_topics_counters_gauges_journal_writes_and_the_runtimes_gc_and_cpu_for_Prometheus_after_traffic()
    {
        await using (var client = await QueueClient.ConnectAsync(new QueueClientOptions { ContactPoints = [ContactPoint.Parse(cluster.Contact)], RequestTimeout = TimeSpan.FromSeconds(20) }))
        {
            Assert.IsType<TopicConfigured>(await client.RequestAsync(new ConfigureTopic(Topic, TopicSettings.Default with { MaxDeliveries = 2 })));
            foreach (var text in new[] { "order-1", "order-2", "order-3", "order-4", "poison" })
            {
                await client.PublishAsync(Topic, Encoding.UTF8.GetBytes(text));
            }

            await using (await client.SubscribeAsync(Topic, Group, (consumed, _) => Encoding.UTF8.GetString(consumed.Message.Payload) == "poison"
                ? throw new InvalidOperationException("cannot bill this")
                : Task.CompletedTask,
                new ConsumerOptions { StartAt = StartPosition.Earliest }))
            {
                await Eventually.Holds(
                    "four acked and the poison message dead-lettered",
                    async () => await client.RequestAsync(new GetTopicStats(Topic)) is TopicStats { Pending: 0 } stats && stats.Groups.Single().DeadLettered == 1,
                    TimeSpan.FromSeconds(30));
            }
        }

        var topic = ("topic", Topic);
        PrometheusScrape[] scrapes = [];
        await Eventually.Holds(
            "the counters and the gauges (read every second) agree with the traffic",
            async () =>
            {
                scrapes = [.. (await Task.WhenAll(cluster.Nodes.Select(n => n.Http.Metrics()))).OfType<PrometheusScrape>()];
                double Sum(string name, params (string, string)[] labels) => scrapes.Sum(s => s.Sum(name, labels));
                return scrapes.Length == 3
                    && Sum("clusterqueue_messages_published_total", topic) == 5
                    && Sum("clusterqueue_messages_acked_total", topic) == 4
                    && Sum("clusterqueue_messages_dead_lettered_total", topic) == 1
                    && Sum("clusterqueue_messages_redelivered_total", topic) >= 1
                    && Sum("clusterqueue_messages_delivered_total", topic) >= 6
                    && scrapes.Any(s => s.Has("clusterqueue_topic_pending", topic))
                    && Sum("clusterqueue_topic_pending", topic) == 0
                    && Sum("clusterqueue_topic_in_flight", topic) == 0
                    && Sum("clusterqueue_topic_consumers", topic) == 0
                    && scrapes.Any(s => s.Has("clusterqueue_group_lag", topic, ("group", Group)))
                    && Sum("clusterqueue_group_lag", topic, ("group", Group)) == 0;
            },
            TimeSpan.FromSeconds(15),
            () => string.Join(Environment.NewLine, scrapes.SelectMany(s => s.Samples).Where(s => s.Labels.GetValueOrDefault("topic") == Topic)));

        var host = Assert.Single(scrapes, s => s.Has("clusterqueue_messages_published_total", topic));
        Assert.True(host.Sum("clusterqueue_journal_write_duration_seconds_count") > 0);
        Assert.True(host.Sum("clusterqueue_journal_write_messages_sum") >= 5);
        Assert.True(host.Has("clusterqueue_journal_write_duration_seconds_bucket", ("le", "+Inf")));
        Assert.Equal("counter", host.Types["clusterqueue_messages_published_total"]);
        Assert.Equal("gauge", host.Types["clusterqueue_topic_pending"]);
        Assert.Equal("histogram", host.Types["clusterqueue_journal_write_duration_seconds"]);
        Assert.All(scrapes, s => Assert.True(s.Sum("dotnet_gc_heap_total_allocated_bytes_total") > 0 && s.Sum("dotnet_process_cpu_time_seconds_total") > 0));
        Assert.True(host.Has("dotnet_gc_pause_time_seconds_total"));
    }
}
