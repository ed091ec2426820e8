using System.CommandLine;
using System.Text;
using ClusterQueue.Client;
using ClusterQueue.Client.Consuming;
using ClusterQueue.Client.Producing;
using ClusterQueue.Protocol;
using ClusterQueue.Protocol.Topics;
using Spectre.Console;

namespace ClusterQueue.Cli.Commands;

/// <summary>The queue palette: what operators of RabbitMQ (rabbitmqctl) and NATS (nats) expect.</summary>
internal static class QueueCommandSet
{
    public static Command Topic(CommandContext context)
    {
        var statsTopic = TopicArgument();
        var json = ClusterCommandSet.JsonOption();
        var stats = new Command("stats", "Pending, in flight, consumers and each group's lag, then the settings.") { statsTopic, json };
        stats.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            var answer = await client.RequestAsync(new GetTopicStats(parse.GetValue(statsTopic)!), cancel);
            if (answer is not TopicStats found)
            {
                return await RefusedAsync(context, answer);
            }

            await context.Output.WriteLineAsync(parse.GetValue(json) ? QueueView.RenderJson(found) : QueueView.Render(found));
            return CqCommandLine.Succeeded;
        }));

        var deleteTopic = TopicArgument();
        var yes = ClusterCommandSet.YesOption();
        var delete = new Command("delete", "Deletes the topic: its messages, groups and settings (a later publish creates it anew).") { deleteTopic, yes };
        delete.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            var name = parse.GetValue(deleteTopic)!;
            if (!await context.ConfirmedAsync(parse.GetValue(yes), $"Topic '{name}' will be deleted with every message and group it holds."))
            {
                return CqCommandLine.UsageError;
            }

            var answer = await client.RequestAsync(new DeleteTopic(name), cancel);
            if (answer is not TopicDeleted)
            {
                return await RefusedAsync(context, answer);
            }

            await context.Output.WriteLineAsync($"Deleted topic {name}.");
            return CqCommandLine.Succeeded;
        }));

        return new Command("topic", "One topic: its stats, its settings, its deletion.") { stats, Config(context), delete };
    }

    public static Command Group(CommandContext context)
    {
        var topic = TopicArgument();
        var group = new Argument<string>("group") { Description = "The consumer group's name." };
        var yes = ClusterCommandSet.YesOption();
        var delete = new Command("delete", "Deletes a consumer group: its position and what it had not finished; its consumers are dropped.") { topic, group, yes };
        delete.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            var (topicName, groupName) = (parse.GetValue(topic)!, parse.GetValue(group)!);
            if (!await context.ConfirmedAsync(parse.GetValue(yes), $"Group '{groupName}' of topic '{topicName}' will be deleted with its unfinished messages."))
            {
                return CqCommandLine.UsageError;
            }

            var answer = await client.RequestAsync(new DeleteGroup(topicName, groupName), cancel);
            if (answer is not GroupDeleted)
            {
                return await RefusedAsync(context, answer);
            }

            await context.Output.WriteLineAsync($"Deleted group {groupName} of topic {topicName}.");
            return CqCommandLine.Succeeded;
        }));

        return new Command("group", "One consumer group of a topic.") { delete };
    }

    public static Command Topics(CommandContext context)
    {
        var json = ClusterCommandSet.JsonOption();
        var topics = new Command("topics", "Every running topic: the node hosting it, pending, in flight, groups and consumers.") { json };
        topics.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            var (found, answer) = await TopicRowsAsync(client, cancel);
            if (found is null)
            {
                return await RefusedAsync(context, answer);
            }

            await context.Output.WriteLineAsync(parse.GetValue(json) ? QueueView.RenderJson(found.Rows.Select(QueueView.ForJson)) : QueueView.Render(found.Rows));
            foreach (var node in found.Unanswered)
            {
                await context.Error.WriteLineAsync($"cq: {node} did not answer in time; its topics are not listed");
            }

            return CqCommandLine.Succeeded;
        }));
        return topics;
    }

    public static Command Top(CommandContext context)
    {
        var interval = new Option<double>("--interval") { Description = "Seconds between refreshes.", DefaultValueFactory = _ => 2 };
        var iterations = new Option<int>("-n") { Description = "Refreshes before it exits; 0 = until Ctrl-C.", DefaultValueFactory = _ => 0 };
        var limit = new Option<int>("--limit") { Description = "Topics shown, busiest first.", DefaultValueFactory = _ => 20 };
        var top = new Command("top", "A live view of the nodes and the busiest topics, refreshed until Ctrl-C.") { interval, iterations, limit };
        top.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            var (every, times, shown) = (parse.GetValue(interval), parse.GetValue(iterations), parse.GetValue(limit));
            if (every <= 0 || times < 0 || shown < 1)
            {
                return await context.UsageAsync($"--interval must be more than 0 seconds, -n 0 or more, --limit 1 or more (got {every}, {times}, {shown})");
            }

            var contact = string.Join(",", context.ContactPoints(parse));
            async Task<(TopFrame? Frame, IClusterQueueMessage Answer)> FrameAsync()
            {
                var members = await client.GetClusterMembersAsync(cancel);
                var (found, answer) = await TopicRowsAsync(client, cancel);
                return (found is null ? null : new TopFrame(DateTimeOffset.Now, contact, members, found.Rows, found.Unanswered), answer);
            }

            IClusterQueueMessage? refused = null;
            async Task<bool> ShowAsync(Action<TopFrame> show, int refresh)
            {
                if (refresh > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(every), cancel);
                }

                var (frame, answer) = await FrameAsync();
                if (frame is null)
                {
                    refused = answer;
                    return false;
                }

                show(frame);
                return true;
            }

            // A terminal gets one view redrawn in place; a pipe or file gets every frame in turn, without colour.
            if (ReferenceEquals(context.Output, Console.Out) && !Console.IsOutputRedirected)
            {
                await AnsiConsole.Live(new Spectre.Console.Text("Connecting...")).StartAsync(async live =>
                {
                    for (var refresh = 0; (times == 0 || refresh < times) && await ShowAsync(f => live.UpdateTarget(TopView.Render(f, shown)), refresh); refresh++)
                    {
                        live.Refresh();
                    }
                });
            }
            else
            {
                var plain = AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Ansi = AnsiSupport.No,
                    ColorSystem = ColorSystemSupport.NoColors,
                    Interactive = InteractionSupport.No,
                    Out = new AnsiConsoleOutput(context.Output),
                });
                plain.Profile.Width = 200;
                for (var refresh = 0; (times == 0 || refresh < times) && await ShowAsync(f => plain.Write(TopView.Render(f, shown)), refresh); refresh++)
                {
                    plain.WriteLine();
                }
            }

            return refused is null ? CqCommandLine.Succeeded : await RefusedAsync(context, refused);
        }));
        return top;
    }

    public static Command Peek(CommandContext context)
    {
        var topic = TopicArgument();
        var count = CountOption(10, "How many of the oldest messages to show.");
        var json = ClusterCommandSet.JsonOption();
        var peek = new Command("peek", "Shows the oldest messages the topic holds, without delivering them.") { topic, count, json };
        peek.SetAction((parse, cancel) => context.WithClientAsync(parse, client =>
            PeekAsync(context, client, parse.GetValue(topic)!, parse.GetValue(count), parse.GetValue(json), deadLetters: false, cancel)));
        return peek;
    }

    public static Command Purge(CommandContext context)
    {
        var topic = TopicArgument();
        var yes = ClusterCommandSet.YesOption();
        var purge = new Command("purge", "Removes every message the topic holds, for every group.") { topic, yes };
        purge.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            var name = parse.GetValue(topic)!;
            if (!await context.ConfirmedAsync(parse.GetValue(yes), $"Every message of topic '{name}' will be deleted."))
            {
                return CqCommandLine.UsageError;
            }

            var answer = await client.RequestAsync(new Protocol.Topics.Purge(name), cancel);
            if (answer is not Purged purged)
            {
                return await RefusedAsync(context, answer);
            }

            await context.Output.WriteLineAsync($"Purged {purged.Count} message{(purged.Count == 1 ? "" : "s")} from {purged.Topic}.");
            return CqCommandLine.Succeeded;
        }));
        return purge;
    }

    public static Command DeadLetters(CommandContext context)
    {
        var listTopic = TopicArgument("The topic whose dead letters to show (not the .dlq name).");
        var listCount = CountOption(10, "How many dead letters to show, oldest first.");
        var json = ClusterCommandSet.JsonOption();
        var list = new Command("list", "Shows a topic's dead letters: why and after how many deliveries each was set aside.") { listTopic, listCount, json };
        list.SetAction((parse, cancel) => context.WithClientAsync(parse, client =>
            PeekAsync(context, client, TopicNames.DeadLetterTopicOf(parse.GetValue(listTopic)!), parse.GetValue(listCount), parse.GetValue(json), deadLetters: true, cancel)));

        var replayTopic = TopicArgument("The topic whose dead letters go back to it.");
        var replayCount = CountOption(0, "How many of the oldest dead letters to replay; 0 = all.");
        var replay = new Command("replay", "Publishes a topic's dead letters again to the group that set them aside.") { replayTopic, replayCount };
        replay.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            var deadLetters = TopicNames.DeadLetterTopicOf(parse.GetValue(replayTopic)!);
            var answer = await client.RequestAsync(new ReplayDeadLetters(deadLetters, parse.GetValue(replayCount)), cancel);
            if (answer is not DeadLettersReplayed replayed)
            {
                return await RefusedAsync(context, answer);
            }

            await context.Output.WriteLineAsync($"Replaying {replayed.Count} dead letter{(replayed.Count == 1 ? "" : "s")} from {deadLetters} to {parse.GetValue(replayTopic)}.");
            return CqCommandLine.Succeeded;
        }));

        return new Command("dlq", "Dead letters: messages set aside after too many deliveries, or expired.") { list, replay };
    }

    public static Command Publish(CommandContext context)
    {
        var topic = TopicArgument();
        var body = new Argument<string>("message") { Description = "The message text, or @path to send a file's bytes." };
        var id = new Option<string?>("--id") { Description = "Message id; the topic drops a repeat of a recent id." };
        var headers = new Option<string[]>("--header", "-H") { Description = "A header, name=value; repeat for several.", AllowMultipleArgumentsPerToken = false };
        var publish = new Command("publish", "Publishes one message and waits until it is durable.") { topic, body, id, headers };
        publish.SetAction(async (parse, cancel) =>
        {
            var text = parse.GetValue(body)!;
            byte[] payload;
            try
            {
                payload = text.StartsWith('@') ? await File.ReadAllBytesAsync(text[1..], cancel) : Encoding.UTF8.GetBytes(text);
            }
            catch (IOException e)
            {
                return await context.UsageAsync($"cannot read '{text[1..]}': {e.Message}");
            }

            var parsed = new Dictionary<string, string>();
            foreach (var header in parse.GetValue(headers) ?? [])
            {
                var equals = header.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    return await context.UsageAsync($"header '{header}' is not name=value");
                }

                parsed[header[..equals]] = header[(equals + 1)..];
            }

            return await context.WithQueueClientAsync(parse, async client =>
            {
                try
                {
                    var seq = await client.PublishAsync(parse.GetValue(topic)!, payload, parsed, parse.GetValue(id), cancellationToken: cancel);
                    await context.Output.WriteLineAsync($"Published to {parse.GetValue(topic)} as message {seq}.");
                    return CqCommandLine.Succeeded;
                }
                catch (PublishRejectedException e)
                {
                    return await context.RefusedAsync(e.Message);
                }
                catch (ArgumentException e)
                {
                    return await context.UsageAsync(e.Message);
                }
            }, cancel);
        });
        return publish;
    }

    public static Command Consume(CommandContext context)
    {
        var topic = TopicArgument();
        var group = new Option<string>("--group", "-g") { Description = "The consumer group to take messages from.", Required = true };
        var count = CountOption(1, "How many messages to take before exiting; 0 = until Ctrl-C.");
        var noAck = new Option<bool>("--no-ack") { Description = "Leave the messages unacked: they go back to the group when cq exits." };
        var consume = new Command("consume", "Takes messages from a group (a new group starts at the oldest message), prints each, and acks it.") { topic, group, count, noAck };
        consume.SetAction((parse, cancel) => context.WithQueueClientAsync(parse, async client =>
        {
            var wanted = parse.GetValue(count);
            var taken = 0;
            try
            {
                // A group cq creates starts at the oldest message the topic holds, as an operator looking at a queue expects.
                var options = new ConsumerOptions { Credit = wanted is > 0 and < 100 ? wanted : 100, StartAt = StartPosition.Earliest };
                await foreach (var message in client.ConsumeAsync(parse.GetValue(topic)!, parse.GetValue(group)!, options, cancel))
                {
                    await context.Output.WriteLineAsync(
                        $"#{message.Message.SequenceNr} | attempt {message.Attempt} | {message.Message.MessageId ?? "-"} | {QueueView.Text(message.Payload)}");
                    if (!parse.GetValue(noAck))
                    {
                        message.Ack();
                    }

                    if (++taken == wanted)
                    {
                        break;
                    }
                }
            }
            catch (SubscriptionRejectedException e)
            {
                return await context.RefusedAsync(e.Message);
            }
            catch (ArgumentException e)
            {
                return await context.UsageAsync(e.Message);
            }

            return CqCommandLine.Succeeded;
        }, cancel));
        return consume;
    }

    private static Command Config(CommandContext context)
    {
        var topic = TopicArgument();
        var maxLength = new Option<long?>("--max-length") { Description = "Most messages the topic holds." };
        var maxDeliveries = new Option<int?>("--max-deliveries") { Description = "Deliveries of a message within a group before it is dead-lettered; 0 = unlimited." };
        var ackTimeout = new Option<double?>("--ack-timeout") { Description = "Seconds a delivery is leased before it is delivered again." };
        var consumerTimeout = new Option<double?>("--consumer-timeout") { Description = "Seconds of silence after which a consumer is dropped." };
        var ttl = new Option<double?>("--ttl") { Description = "Seconds a message without a TTL of its own lives; 0 = forever." };
        var maxPayload = new Option<int?>("--max-payload-bytes") { Description = "Largest payload accepted, in bytes." };
        var config = new Command("config", "Shows the topic's settings, or changes those given (the topic is created if it does not exist).")
        {
            topic, maxLength, maxDeliveries, ackTimeout, consumerTimeout, ttl, maxPayload,
        };
        config.SetAction((parse, cancel) => context.WithClientAsync(parse, async client =>
        {
            var name = parse.GetValue(topic)!;
            TopicSettings? current;
            switch (await client.RequestAsync(new GetTopicStats(name), cancel))
            {
                case TopicStats stats:
                    current = stats.Settings;
                    break;
                case TopicError { Code: ErrorCode.TopicNotFound }:
                    current = null;
                    break;
                case var other:
                    return await RefusedAsync(context, other);
            }

            if (!new Option[] { maxLength, maxDeliveries, ackTimeout, consumerTimeout, ttl, maxPayload }.Any(o => parse.GetResult(o) is not null))
            {
                if (current is null)
                {
                    return await context.RefusedAsync($"topic '{name}' does not exist; give a setting to create it");
                }

                await context.Output.WriteLineAsync($"{name}: {QueueView.Render(current)}");
                return CqCommandLine.Succeeded;
            }

            var changed = current ?? TopicSettings.Default;
            changed = parse.GetValue(maxLength) is { } length ? changed with { MaxLength = length } : changed;
            changed = parse.GetValue(maxDeliveries) is { } deliveries ? changed with { MaxDeliveries = deliveries } : changed;
            changed = parse.GetValue(ackTimeout) is { } ack ? changed with { AckTimeout = TimeSpan.FromSeconds(ack) } : changed;
            changed = parse.GetValue(consumerTimeout) is { } silent ? changed with { ConsumerTimeout = TimeSpan.FromSeconds(silent) } : changed;
            changed = parse.GetValue(ttl) is { } seconds ? changed with { DefaultTtl = seconds == 0 ? null : TimeSpan.FromSeconds(seconds) } : changed;
            changed = parse.GetValue(maxPayload) is { } bytes ? changed with { MaxPayloadBytes = bytes } : changed;
            if (changed.Validate() is { } problem)
            {
                return await context.UsageAsync(problem);
            }

            var answer = await client.RequestAsync(new ConfigureTopic(name, changed), cancel);
            if (answer is not TopicConfigured configured)
            {
                return await RefusedAsync(context, answer);
            }

            await context.Output.WriteLineAsync($"{name}: {QueueView.Render(configured.Settings)}");
            return CqCommandLine.Succeeded;
        }));
        return config;
    }

    private static async Task<int> PeekAsync(CommandContext context, GatewayClient client, string topic, int count, bool json, bool deadLetters, CancellationToken cancel)
    {
        if (count is < 1 or > 1000)
        {
            return await context.UsageAsync($"-n must be from 1 to 1000, not {count}");
        }

        var answer = await client.RequestAsync(new Protocol.Topics.Peek(topic, count), cancel);
        if (answer is not PeekResult peeked)
        {
            return await RefusedAsync(context, answer);
        }

        await context.Output.WriteLineAsync(json ? QueueView.RenderJson(peeked.Messages.Select(QueueView.ForJson)) : QueueView.Render(peeked, deadLetters));
        return CqCommandLine.Succeeded;
    }

    /// <summary>Every running topic with the node hosting it and its stats (asked 8 at a time); null and the answer when the gateway refused.</summary>
    private static async Task<(TopicRows? Found, IClusterQueueMessage Answer)> TopicRowsAsync(GatewayClient client, CancellationToken cancel)
    {
        var answer = await client.RequestAsync(Protocol.Membership.GetTopics.Instance, cancel);
        if (answer is not Protocol.Membership.TopicList list)
        {
            return (null, answer);
        }

        using var parallel = new SemaphoreSlim(8);
        var stats = await Task.WhenAll(list.Topics.Select(async hosted =>
        {
            await parallel.WaitAsync(cancel);
            try
            {
                return await client.RequestAsync(new GetTopicStats(hosted.Topic), cancel) as TopicStats;
            }
            finally
            {
                parallel.Release();
            }
        }));
        var rows = list.Topics.Zip(stats, (hosted, stat) => new TopicRow(hosted.Topic, hosted.Node, stat)).ToList();
        return (new TopicRows(rows, list.Unanswered), answer);
    }

    private sealed record TopicRows(List<TopicRow> Rows, IReadOnlyList<string> Unanswered);

    private static Task<int> RefusedAsync(CommandContext context, IClusterQueueMessage answer) => answer switch
    {
        TopicError error => context.RefusedAsync(error.Message),
        _ => context.UnexpectedAsync(answer),
    };

    private static Argument<string> TopicArgument(string description = "The topic's name.") => new("topic") { Description = description };

    private static Option<int> CountOption(int defaultValue, string description) =>
        new("-n") { Description = description, DefaultValueFactory = _ => defaultValue };
}
