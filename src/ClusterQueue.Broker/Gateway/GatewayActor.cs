using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Membership;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Broker.Gateway;

/// <summary>
/// The entry point for clients outside the cluster: registered with the ClusterClient receptionist
/// on every broker node, it answers what a client asks of the cluster.
/// </summary>
public sealed class GatewayActor : ReceiveActor
{
    private readonly Dictionary<IActorRef, IActorRef> _watchers = [];

    public GatewayActor(IActorRef topics)
    {
        var cluster = Cluster.Get(Context.System);
        Receive<GetClusterMembers>(_ => Sender.Tell(MembershipSnapshot.Of(cluster)));
        Receive<LeaveMember>(leave => Sender.Tell(ClusterCommands.Leave(cluster, leave)));
        Receive<DownMember>(down => Sender.Tell(ClusterCommands.Down(cluster, down)));
        Receive<DownUnreachable>(_ => Sender.Tell(ClusterCommands.DownUnreachable(cluster)));
        Receive<JoinCluster>(join => Sender.Tell(ClusterCommands.Join(cluster, join)));
        Receive<WatchCluster>(watch =>
        {
            // One watcher per watching client, so a renewal finds the same one.
            if (!_watchers.TryGetValue(Sender, out var watcher))
            {
                watcher = Context.Watch(Context.ActorOf(ClusterWatcher.Props(Sender)));
                _watchers[Sender] = watcher;
            }

            watcher.Tell(watch);
        });
        Receive<StopWatchingCluster>(stop =>
        {
            if (_watchers.Remove(Sender, out var watcher))
            {
                watcher.Tell(stop);
            }
        });
        Receive<Terminated>(ended =>
        {
            foreach (var client in _watchers.Where(w => w.Value.Equals(ended.ActorRef)).Select(w => w.Key).ToList())
            {
                _watchers.Remove(client);
            }
        });
        Receive<GetTopics>(_ =>
        {
            var brokers = cluster.State.Members
                .Where(m => m.Status == MemberStatus.Up && m.HasRole(NodeRoles.Broker))
                .Select(m => m.Address)
                .ToList();
            Context.ActorOf(TopicListCollector.Props(Sender, brokers, StatsTimeout));
        });
        Receive<GetLocalTopics>(_ =>
        {
            var node = cluster.SelfAddress.ToString();
            topics.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, StatsTimeout)
                .ContinueWith(
                    answered => new LocalTopics(
                        node,
                        answered.IsCompletedSuccessfully ? [.. answered.Result.Shards.SelectMany(s => s.EntityIds).Order(StringComparer.Ordinal)] : []),
                    TaskScheduler.Default)
                .PipeTo(Sender);
        });
        Receive<GetShardRegions>(_ => Sender.Tell(new ShardRegions(cluster.SelfAddress.ToString(), TypeNames())));
        Receive<GetRegionStats>(get =>
        {
            if (!TypeNames().Contains(get.TypeName))
            {
                Sender.Tell(new UnknownRegion(get.TypeName, TypeNames()));
                return;
            }

            ClusterSharding.Get(Context.System).ShardRegion(get.TypeName)
                .Ask<ClusterShardingStats>(new GetClusterShardingStats(StatsTimeout), StatsTimeout + TimeSpan.FromSeconds(1))
                .ContinueWith(
                    answered => answered.IsCompletedSuccessfully ? RegionStatsOf(get.TypeName, answered.Result) : new RegionStats(get.TypeName, []),
                    TaskScheduler.Default)
                .PipeTo(Sender);
        });
        Receive<ITopicCommand>(command =>
        {
            // Sharding silently drops a message whose entity id is empty; answer it here instead.
            if (TopicNames.ValidateTopic(command.Topic) is { } problem)
            {
                Sender.Tell(new TopicError(command.Topic ?? "", ErrorCode.InvalidTopicName, problem));
                return;
            }

            topics.Forward(command);
        });
    }

    /// <summary>How long a region waits for every member's shard statistics.</summary>
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(5);

    /// <param name="topics">The topic shard region (or proxy) that topic commands go to.</param>
    public static Props Props(IActorRef topics) => Akka.Actor.Props.Create(() => new GatewayActor(topics));

    private static List<string> TypeNames() => [.. ClusterSharding.Get(Context.System).ShardTypeNames.Order(StringComparer.Ordinal)];

    private static RegionStats RegionStatsOf(string typeName, ClusterShardingStats stats) => new(
        typeName,
        stats.Regions
            .Select(r => new RegionMemberStats(r.Key.ToString(), r.Value.Stats.Count, r.Value.Stats.Values.Sum()))
            .OrderBy(m => m.Address, StringComparer.Ordinal)
            .ToList());
}
