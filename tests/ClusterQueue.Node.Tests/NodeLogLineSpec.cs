using ClusterQueue.Node.Hosting;
using Microsoft.Extensions.Logging;

namespace ClusterQueue.Node.Tests;

public sealed class NodeLogLineSpec
{
    [Fact]
    public void Every_line_of_a_message_with_an_exception_carries_the_node_address()
    {
        using var writer = new StringWriter();
        Exception exception;
        try
        {
            throw new InvalidOperationException("journal unavailable");
        }
        catch (InvalidOperationException e)
        {
            exception = e;
        }

        NodeLogLine.Write(writer, LogLevel.Error, "127.0.0.1:4053", "TopicActor", "write failed\nretrying", exception);

        var lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 4, writer.ToString());
        Assert.All(lines, l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ERROR \[127\.0\.0\.1:4053\] ", l));
        Assert.EndsWith("] TopicActor: write failed", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("]   retrying", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("]   System.InvalidOperationException: journal unavailable", lines[2], StringComparison.Ordinal);
    }
}
