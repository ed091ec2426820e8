using Akka.Actor;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Broker.Gateway;

/// <summary>
/// Answers <see cref="GetTopics"/>: asks every broker's gateway for the topics running on its node,
/// and replies with what came back within the timeout, naming the nodes that did not answer.
/// </summary>
public sealed class TopicListCollector : ReceiveActor, IWithTimers
{
    private readonly IActorRef _replyTo;
    private readonly HashSet<string> _waitingFor;
    private readonly List<HostedTopic> _topics = [];

    public TopicListCollector(IActorRef replyTo, IReadOnlyList<Address> brokers, TimeSpan timeout)
    {
        _replyTo = replyTo;
        _waitingFor = brokers.Select(b => b.ToString()).ToHashSet();
        Receive<LocalTopics>(local =>
        {
            if (_waitingFor.Remove(local.Node))
            {
                _topics.AddRange(local.Topics.Select(t => new HostedTopic(t, local.Node)));
            }

            if (_waitingFor.Count == 0)
            {
                Finish();
            }
        });
        Receive<TimedOut>(_ => Finish());
        foreach (var broker in brokers)
        {
            Context.ActorSelection(new RootActorPath(broker) / "user" / ClusterNames.Gateway).Tell(GetLocalTopics.Instance);
        }

        Timers.StartSingleTimer(TimedOut.Instance, TimedOut.Instance, timeout);
        if (brokers.Count == 0)
        {
            Finish();
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef replyTo, IReadOnlyList<Address> brokers, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new TopicListCollector(replyTo, brokers, timeout));

    private void Finish()
    {
        _replyTo.Tell(new TopicList(
            [.. _topics.OrderBy(t => t.Topic, StringComparer.Ordinal)],
            [.. _waitingFor.Order(StringComparer.Ordinal)]));
        Context.Stop(Self);
    }

    private sealed class TimedOut
    {
        public static readonly TimedOut Instance = new();
    }
}
