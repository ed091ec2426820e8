using ClusterQueue.Broker.Metrics;
using ClusterQueue.Broker.Tests.Topics;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Tests.Metrics;

public sealed class TopicActivitySpec
{
    private readonly TopicHarness _topic = new();

    [Fact]
    public void Activity_counts_what_each_output_did_to_messages()
    {
        _topic.Reply<TopicConfigured>(new ConfigureTopic(_topic.Topic, TopicSettings.Default with { MaxDeliveries = 2 }));
        var publish = _topic.Run(new Publish(_topic.Topic, "p1", [TopicHarness.Message(1, "a"), TopicHarness.Message(2, "b"), TopicHarness.Message(3, "c")])).Output;
        var subscribe = _topic.Run(new Subscribe(_topic.Topic, "billing", "c1", StartPosition.Earliest, 10)).Output;
        var ack = _topic.Run(new Ack(_topic.Topic, "billing", [1, 2])).Output;
        var nack = _topic.Run(new Nack(_topic.Topic, "billing", [3])).Output;
        var lastNack = _topic.Run(new Nack(_topic.Topic, "billing", [3])).Output;

        Assert.Equal(new TopicActivity(3, 0, 0, 0, 0), TopicActivity.Of(publish));
        Assert.Equal(new TopicActivity(0, 3, 0, 0, 0), TopicActivity.Of(subscribe));
        Assert.Equal(new TopicActivity(0, 0, 0, 2, 0), TopicActivity.Of(ack));
        Assert.Equal(new TopicActivity(0, 1, 1, 0, 0), TopicActivity.Of(nack));
        Assert.Equal(new TopicActivity(0, 0, 0, 0, 1), TopicActivity.Of(lastNack));
        Assert.True(TopicActivity.Of(_topic.Run(new GetTopicStats(_topic.Topic)).Output).IsEmpty);
    }
}
