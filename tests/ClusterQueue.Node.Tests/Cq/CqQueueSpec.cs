using System.Text.Json;
using ClusterQueue.Node.Tests.Support;
using ClusterQueue.Protocol.Topics;

namespace ClusterQueue.Node.Tests.Cq;

/// <summary>cq's queue commands, run as processes against the shared cluster, each on topics of its own.</summary>
[Collection(CqReadOnlyTests.Name)]
public sealed class CqQueueSpec(ThreeNodeCluster cluster)
{
    private static readonly string NewLine = Environment.NewLine;

    private Task<(int ExitCode, string Output, string Error)> Cq(params string[] args) => CqProcess.RunAsync([.. args, "-c", cluster.Contact]);

    [Fact]
    public async Task Publish_then_consume_takes_the_message_acks_it_and_the_group_has_no_lag()
    {
        var published = await Cq("publish", "cq-hello", "hello, world", "--id", "greeting-1");
        Assert.Equal((0, $"Published to cq-hello as message 1.{NewLine}", ""), published);

        var consumed = await Cq("consume", "cq-hello", "-g", "printers");

        Assert.Equal((0, $"#1 | attempt 1 | greeting-1 | hello, world{NewLine}", ""), consumed);
        var stats = await Cq("topic", "stats", "cq-hello", "--json");
        var group = Assert.Single(JsonSerializer.Deserialize<TopicStats>(stats.Output, JsonSerializerOptions.Web)!.Groups);
        Assert.Equal(("printers", 0L), (group.Group, group.Lag));
    }

    [Fact]
    public async Task Consume_with_no_ack_leaves_the_message_to_the_group()
    {
        await Cq("publish", "cq-noack", "keep me");

        var first = await Cq("consume", "cq-noack", "-g", "g", "--no-ack");
        var second = await Cq("consume", "cq-noack", "-g", "g");

        Assert.Equal($"#1 | attempt 1 | - | keep me{NewLine}", first.Output);
        Assert.Equal($"#1 | attempt 2 | - | keep me{NewLine}", second.Output);
    }

    [Fact]
    public async Task Peek_shows_the_oldest_messages_without_delivering_them()
    {
        await Cq("publish", "cq-peek", "first");
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "second, from a file");
        var fromFile = await Cq("publish", "cq-peek", $"@{file}", "-H", "kind=test");
        File.Delete(file);
        Assert.Equal((0, $"Published to cq-peek as message 2.{NewLine}", ""), fromFile);

        var (exitCode, text, _) = await Cq("peek", "cq-peek", "-n", "5");
        var json = await Cq("peek", "cq-peek", "--json");

        Assert.Equal(0, exitCode);
        Assert.Matches(@"^#1 \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| - \| first\r?\n#2 \| .* \| - \| second, from a file\r?\n$", text);
        var messages = JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal(2, messages.GetArrayLength());
        Assert.Equal("test", messages[1].GetProperty("headers").GetProperty("kind").GetString());
        Assert.Equal(2, JsonSerializer.Deserialize<TopicStats>((await Cq("topic", "stats", "cq-peek", "--json")).Output, JsonSerializerOptions.Web)!.Pending);
    }

    [Fact]
    public async Task Topic_stats_of_an_unknown_topic_is_one_line_and_exit_code_3()
    {
        var (exitCode, text, error) = await Cq("topic", "stats", "cq-never-made");

        Assert.Equal((3, ""), (exitCode, text));
        Assert.Single(error.Split(NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cq-never-made", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Topic_config_changes_only_the_settings_given()
    {
        var created = await Cq("topic", "config", "cq-configured", "--max-deliveries", "2", "--ack-timeout", "45");
        var shown = await Cq("topic", "config", "cq-configured");
        var unknown = await Cq("topic", "config", "cq-not-there");

        Assert.Equal(0, created.ExitCode);
        Assert.StartsWith("cq-configured: max-length 1000000, overflow RejectPublish, ack-timeout 45s, max-deliveries 2,", created.Output, StringComparison.Ordinal);
        Assert.Equal(created.Output, shown.Output);
        Assert.Equal((3, $"cq: topic 'cq-not-there' does not exist; give a setting to create it{NewLine}"), (unknown.ExitCode, unknown.Error));
    }

    [Fact]
    public async Task Purge_needs_yes_then_empties_the_topic()
    {
        await Cq("publish", "cq-purge", "one");
        await Cq("publish", "cq-purge", "two");

        var unconfirmed = await Cq("purge", "cq-purge");
        var purged = await Cq("purge", "cq-purge", "--yes");

        Assert.Equal((2, $"cq: Every message of topic 'cq-purge' will be deleted. Add --yes to confirm.{NewLine}"), (unconfirmed.ExitCode, unconfirmed.Error));
        Assert.Equal((0, $"Purged 2 messages from cq-purge.{NewLine}"), (purged.ExitCode, purged.Output));
        Assert.Equal($"No messages in cq-purge.{NewLine}", (await Cq("peek", "cq-purge")).Output);
    }

    [Fact]
    public async Task Topic_delete_needs_yes_then_the_topic_is_gone()
    {
        await Cq("publish", "cq-delete", "one");

        var unconfirmed = await Cq("topic", "delete", "cq-delete");
        var deleted = await Cq("topic", "delete", "cq-delete", "--yes");
        var stats = await Cq("topic", "stats", "cq-delete");

        Assert.Equal((2, $"cq: Topic 'cq-delete' will be deleted with every message and group it holds. Add --yes to confirm.{NewLine}"), (unconfirmed.ExitCode, unconfirmed.Error));
        Assert.Equal((0, $"Deleted topic cq-delete.{NewLine}"), (deleted.ExitCode, deleted.Output));
        Assert.Equal(3, stats.ExitCode);
        Assert.Contains("cq-delete", stats.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Group_delete_needs_yes_then_the_group_is_gone_and_deleting_it_again_is_exit_code_3()
    {
        await Cq("publish", "cq-groups", "one");
        Assert.Equal(0, (await Cq("consume", "cq-groups", "-g", "audit", "-n", "1", "--no-ack")).ExitCode);

        var unconfirmed = await Cq("group", "delete", "cq-groups", "audit");
        var deleted = await Cq("group", "delete", "cq-groups", "audit", "--yes");
        var again = await Cq("group", "delete", "cq-groups", "audit", "--yes");

        Assert.Equal(2, unconfirmed.ExitCode);
        Assert.Equal((0, $"Deleted group audit of topic cq-groups.{NewLine}"), (deleted.ExitCode, deleted.Output));
        Assert.Contains("No groups yet", (await Cq("topic", "stats", "cq-groups")).Output, StringComparison.Ordinal);
        Assert.Equal((3, $"cq: topic 'cq-groups' has no group 'audit'{NewLine}"), (again.ExitCode, again.Error));
    }

    [Fact]
    public async Task Dlq_list_says_why_each_message_was_set_aside_and_replay_sends_it_back()
    {
        var (exitCode, text, _) = await Cq("dlq", "list", ThreeNodeCluster.PoisonTopic);

        Assert.Equal(0, exitCode);
        Assert.Matches(@"^#1 \| .* \| poison \| group billing, MaxDeliveries after 1 deliveries\r?\n$", text);

        var replayed = await Cq("dlq", "replay", ThreeNodeCluster.PoisonTopic);
        Assert.Equal((0, $"Replaying 1 dead letter from {ThreeNodeCluster.PoisonTopic}.dlq to {ThreeNodeCluster.PoisonTopic}.{NewLine}"), (replayed.ExitCode, replayed.Output));
    }

    [Fact]
    public async Task Without_a_command_cq_opens_a_prompt_that_runs_commands_and_asks_before_a_purge()
    {
        var typed = string.Join("\n", "cluster show", "publish cq-prompt \"one message\"", "purge cq-prompt", "n", "purge cq-prompt", "y", "exit") + "\n";

        var (exitCode, text, error) = await CqProcess.RunWithInputAsync(typed, "-c", cluster.Contact);

        Assert.Equal((0, ""), (exitCode, error));
        Assert.StartsWith($"[{cluster.Contact}] cq> ", text, StringComparison.Ordinal);
        Assert.Contains("Count: 3 nodes", text, StringComparison.Ordinal);
        Assert.Contains("Published to cq-prompt as message 1.", text, StringComparison.Ordinal);
        Assert.Equal(2, text.Split("Every message of topic 'cq-prompt' will be deleted. Go ahead? [y/N]").Length - 1);
        Assert.Single(text.Split(NewLine), l => l.EndsWith("Purged 1 message from cq-prompt.", StringComparison.Ordinal));
    }
}
