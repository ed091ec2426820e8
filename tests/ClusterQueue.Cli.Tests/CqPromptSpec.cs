using ClusterQueue.Cli.Commands;

namespace ClusterQueue.Cli.Tests;

public sealed class CqPromptSpec
{
    private static readonly System.CommandLine.RootCommand Root = CqCommandLine.Build(new CqTerminal(TextWriter.Null, TextWriter.Null));

    [Theory]
    [InlineData("", "cluster cluster-sharding consume dlq group peek publish purge top topic topics")]
    [InlineData("clu", "cluster cluster-sharding")]
    [InlineData("cluster ", "down down-unreachable join leave show tail")]
    [InlineData("cluster d", "down down-unreachable")]
    [InlineData("cluster-sharding r", "region-stats regions")]
    [InlineData("topic ", "config delete stats")]
    [InlineData("nothing ", "")]
    public void Tab_offers_the_command_names_that_fit_where_the_cursor_is(string line, string expected)
    {
        Assert.Equal(expected, string.Join(" ", CqCompletion.Candidates(Root, line)));
    }

    [Theory]
    [InlineData("clu", "cluster")]
    [InlineData("cluster sh", "cluster show ")]
    [InlineData("cluster-sharding region-", "cluster-sharding region-stats ")]
    [InlineData("pu", "pu")]
    public void Tab_completes_as_far_as_every_candidate_agrees(string line, string expected)
    {
        Assert.Equal(expected, CqCompletion.Complete(Root, line));
    }

    [Fact]
    public void Quotes_keep_a_message_with_spaces_in_one_word()
    {
        Assert.Equal(["publish", "orders", "hello, world", "-H", "a=b c"], CqPrompt.Words("publish orders \"hello, world\"  -H \"a=b c\""));
    }
}
