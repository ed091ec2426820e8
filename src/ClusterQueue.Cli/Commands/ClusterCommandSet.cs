using System.CommandLine;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Membership;

namespace ClusterQueue.Cli.Commands;

/// <summary>The cluster palette, named and laid out as Petabridge.Cmd's.</summary>
internal static class ClusterCommandSet
{
    public static Command Cluster(CommandContext context)
    {
        var json = JsonOption();
        var show = new Command("show", "One line per member: address | roles | status | version.") { json };
        show.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            var members = await client.GetClusterMembersAsync(cancel);
            await context.Output.WriteLineAsync(parse.GetValue(json) ? ClusterShowView.RenderJson(members) : ClusterShowView.Render(members));
            return CqCommandLine.Succeeded;
        }));

        return new Command("cluster", "Cluster membership, as Petabridge.Cmd's cluster commands.")
        {
            show,
            MemberChange(context, "leave", "Has a member leave gracefully: its topics hand off, then it exits.", a => new LeaveMember(a), "leave the cluster"),
            MemberChange(context, "down", "Marks a member down: the cluster stops waiting for it; its topics restart elsewhere from the journal.", a => new DownMember(a), "be marked down"),
            DownUnreachable(context),
            Join(context),
            Tail(context),
        };
    }

    public static Command Sharding(CommandContext context)
    {
        var json = JsonOption();
        var regions = new Command("regions", "The shard regions (entity types) the answering node runs.") { json };
        regions.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            var answer = await client.RequestAsync(GetShardRegions.Instance, cancel);
            if (answer is not ShardRegions found)
            {
                return await context.UnexpectedAsync(answer);
            }

            await context.Output.WriteLineAsync(parse.GetValue(json) ? ShardingView.RenderJson(found) : ShardingView.Render(found));
            return CqCommandLine.Succeeded;
        }));

        var region = new Option<string>("--region", "-r") { Description = "The region's type name (ClusterQueue's topics: topic).", Required = true };
        var statsJson = JsonOption();
        var stats = new Command("region-stats", "Per member: how many shards of the region it hosts, and how many entities run in them.") { region, statsJson };
        stats.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            var answer = await client.RequestAsync(new GetRegionStats(parse.GetValue(region)!), cancel);
            switch (answer)
            {
                case RegionStats found:
                    await context.Output.WriteLineAsync(parse.GetValue(statsJson) ? ShardingView.RenderJson(found) : ShardingView.Render(found));
                    return CqCommandLine.Succeeded;
                case UnknownRegion unknown:
                    return await context.RefusedAsync($"no shard region '{unknown.TypeName}'; regions: {string.Join(", ", unknown.Known)}");
                default:
                    return await context.UnexpectedAsync(answer);
            }
        }));

        return new Command("cluster-sharding", "Cluster sharding, as Petabridge.Cmd's cluster-sharding commands.") { regions, stats };
    }

    internal static Option<bool> JsonOption() => new("--json") { Description = "Print JSON for scripts instead of a table." };

    internal static Option<bool> YesOption() => new("--yes", "-y") { Description = "Confirm a change that cannot be undone, without being asked." };

    private static Command MemberChange(CommandContext context, string name, string description, Func<string, IClusterQueueMessage> request, string consequence)
    {
        var address = new Argument<string>("address") { Description = "The member: host:port or akka.tcp://ClusterQueue@host:port." };
        var yes = YesOption();
        var command = new Command(name, description) { address, yes };
        command.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            var member = parse.GetValue(address)!;
            if (!await context.ConfirmedAsync(parse.GetValue(yes), $"{member} will {consequence}."))
            {
                return CqCommandLine.UsageError;
            }

            return await ReportAsync(context, await client.RequestAsync(request(member), cancel));
        }));
        return command;
    }

    private static Command DownUnreachable(CommandContext context)
    {
        var yes = YesOption();
        var command = new Command("down-unreachable", "Marks down every member the answering node sees as unreachable.") { yes };
        command.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            if (!await context.ConfirmedAsync(parse.GetValue(yes), "Every unreachable member will be marked down."))
            {
                return CqCommandLine.UsageError;
            }

            return await ReportAsync(context, await client.RequestOfContactedNodeAsync(Protocol.Membership.DownUnreachable.Instance, cancel));
        }));
        return command;
    }

    private static Command Join(CommandContext context)
    {
        var address = new Argument<string>("address") { Description = "A member of the cluster to join: host:port or akka.tcp://ClusterQueue@host:port." };
        var command = new Command("join", "Has the contacted node join the cluster of the given member.") { address };
        command.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
            await ReportAsync(context, await client.RequestOfContactedNodeAsync(new JoinCluster(parse.GetValue(address)!), cancel))));
        return command;
    }

    private static Command Tail(CommandContext context)
    {
        var command = new Command("tail", "Prints membership and reachability changes as they happen, until Ctrl-C.");
        command.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            await foreach (var change in client.TailClusterAsync(cancel).WithCancellation(cancel))
            {
                await context.Output.WriteLineAsync(ClusterShowView.Render(change));
            }

            return CqCommandLine.Succeeded;
        }));
        return command;
    }

    private static async Task<int> ReportAsync(CommandContext context, IClusterQueueMessage answer)
    {
        switch (answer)
        {
            case ClusterCommandDone done:
                await context.Output.WriteLineAsync(ClusterShowView.Render(done));
                return CqCommandLine.Succeeded;
            case ClusterCommandRefused refused:
                return await context.RefusedAsync(refused.Reason);
            default:
                return await context.UnexpectedAsync(answer);
        }
    }
}
