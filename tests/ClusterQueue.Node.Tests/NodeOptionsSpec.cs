using ClusterQueue.Node.Configuration;

namespace ClusterQueue.Node.Tests;

public sealed class NodeOptionsSpec
{
    private const string WorkingDirectory = "/srv/queue";
    private static readonly string AppDirectory = AppContext.BaseDirectory;

    private static NodeOptions Parse(Dictionary<string, string?>? environment = null, params string[] args) =>
        NodeOptions.Parse(environment ?? [], args, WorkingDirectory, AppDirectory);

    private static NodeConfigurationException Invalid(Dictionary<string, string?>? environment = null, params string[] args) =>
        Assert.Throws<NodeConfigurationException>(() => Parse(environment, args));

    [Fact]
    public void Defaults_describe_the_first_localhost_seed_of_three()
    {
        var options = Parse();

        Assert.Equal("127.0.0.1", options.Host);
        Assert.Equal(4053, options.Port);
        Assert.Equal("127.0.0.1", options.PublicHost);
        Assert.Equal(
            ["127.0.0.1:4053", "127.0.0.1:4054", "127.0.0.1:4055"],
            options.Seeds.Select(s => s.ToString()));
        Assert.Equal(["broker"], options.Roles);
        Assert.Equal(8053, options.HttpPort);
        Assert.Equal("/srv/queue/data", options.DataDir);
        Assert.Equal(JournalProvider.Sqlite, options.JournalProvider);
        Assert.Null(options.JournalConnectionString);
        Assert.Null(options.ConfigFile);
        Assert.Equal(Path.Combine(AppDirectory, "hocon"), options.HoconDir);
        Assert.Equal("127.0.0.1:4053", options.Address);
    }

    [Fact]
    public void Environment_variables_set_every_per_node_value()
    {
        var hoconDir = Path.Combine(AppDirectory, "hocon");
        var options = Parse(new()
        {
            ["CQ_HOST"] = "0.0.0.0",
            ["CQ_PORT"] = "5000",
            ["CQ_PUBLIC_HOST"] = "queue-0.queue.default.svc",
            ["CQ_SEEDS"] = "queue-0.queue:5000, akka.tcp://ClusterQueue@queue-1.queue:5000,queue-2.queue:5000",
            ["CQ_ROLES"] = "broker,client",
            ["CQ_HTTP_PORT"] = "9000",
            ["CQ_DATA_DIR"] = "/var/lib/cq",
            ["CQ_JOURNAL_PROVIDER"] = "postgresql",
            ["CQ_JOURNAL_CONNECTION_STRING"] = "Host=db;Username=cq;Password=secret;Database=cq",
            ["CQ_CONFIG"] = Path.Combine(hoconDir, "testing.conf"),
            ["CQ_HOCON_DIR"] = hoconDir,
        });

        Assert.Equal("0.0.0.0", options.Host);
        Assert.Equal(5000, options.Port);
        Assert.Equal("queue-0.queue.default.svc", options.PublicHost);
        Assert.Equal(
            ["queue-0.queue:5000", "queue-1.queue:5000", "queue-2.queue:5000"],
            options.Seeds.Select(s => s.ToString()));
        Assert.Equal("akka.tcp://ClusterQueue@queue-1.queue:5000", options.Seeds[1].ToAkkaAddress());
        Assert.Equal(["broker", "client"], options.Roles);
        Assert.Equal(9000, options.HttpPort);
        Assert.Equal("/var/lib/cq", options.DataDir);
        Assert.Equal(JournalProvider.PostgreSql, options.JournalProvider);
        Assert.Contains("Host=db", options.JournalConnectionString, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(hoconDir, "testing.conf"), options.ConfigFile);
        Assert.Equal("queue-0.queue.default.svc:5000", options.Address);
    }

    [Fact]
    public void A_StatefulSet_pod_is_reached_by_its_stable_DNS_name_made_of_pod_service_namespace_and_domain()
    {
        var options = Parse(new()
        {
            ["CQ_HOST"] = "0.0.0.0",
            ["CQ_POD_NAME"] = "clusterqueue-1",
            ["CQ_POD_NAMESPACE"] = "queues",
            ["CQ_HEADLESS_SERVICE"] = "clusterqueue-nodes",
        });

        Assert.Equal("clusterqueue-1.clusterqueue-nodes.queues.svc.cluster.local", options.PublicHost);
        Assert.Equal("clusterqueue-1.clusterqueue-nodes.queues.svc.cluster.local:4053", options.Address);
    }

    [Fact]
    public void An_explicit_public_host_wins_over_the_pod_DNS_name()
    {
        var options = Parse(new()
        {
            ["CQ_PUBLIC_HOST"] = "broker-a.example.com",
            ["CQ_POD_NAME"] = "clusterqueue-1",
            ["CQ_HEADLESS_SERVICE"] = "clusterqueue-nodes",
            ["CQ_CLUSTER_DOMAIN"] = "corp.internal",
        });

        Assert.Equal("broker-a.example.com", options.PublicHost);
    }

    [Fact]
    public void A_pod_name_without_its_headless_service_is_refused_naming_what_is_missing()
    {
        var error = Invalid(new() { ["CQ_HOST"] = "0.0.0.0", ["CQ_POD_NAME"] = "clusterqueue-1" });

        Assert.Equal("CQ_HEADLESS_SERVICE (--headless-service)", error.Key);
        Assert.Contains("CQ_POD_NAME", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_line_options_override_environment_variables()
    {
        var options = Parse(new() { ["CQ_PORT"] = "5000", ["CQ_HTTP_PORT"] = "9000" }, "--port", "6000", "--http-port=0");

        Assert.Equal(6000, options.Port);
        Assert.Equal(0, options.HttpPort);
    }

    [Fact]
    public void Empty_environment_variables_count_as_unset()
    {
        var options = Parse(new() { ["CQ_PORT"] = "", ["CQ_SEEDS"] = "  " });

        Assert.Equal(4053, options.Port);
        Assert.Equal(3, options.Seeds.Count);
    }

    [Fact]
    public void A_relative_data_folder_is_taken_from_the_working_directory()
    {
        var options = Parse(args: ["--data-dir", "run/node-2"]);

        Assert.Equal("/srv/queue/run/node-2", options.DataDir);
    }

    [Theory]
    [InlineData("CQ_PORT", "70000", "CQ_PORT (--port): '70000' is not a port number (0-65535)")]
    [InlineData("CQ_PORT", "-1", "CQ_PORT (--port): '-1' is not a port number (0-65535)")]
    [InlineData("CQ_HTTP_PORT", "http", "CQ_HTTP_PORT (--http-port): 'http' is not a port number (0-65535)")]
    [InlineData("CQ_HOST", "not a host", "CQ_HOST (--host): 'not a host' is not a host name or IP address")]
    [InlineData("CQ_HOST", "0.0.0.0", "CQ_PUBLIC_HOST (--public-host): required when CQ_HOST is the wildcard address 0.0.0.0, which no other node can reach")]
    [InlineData("CQ_PUBLIC_HOST", "0.0.0.0", "CQ_PUBLIC_HOST (--public-host): '0.0.0.0' is a wildcard address, which no other node can reach")]
    [InlineData("CQ_SEEDS", "127.0.0.1", "CQ_SEEDS (--seeds): '127.0.0.1' is not host:port with a port from 1 to 65535")]
    [InlineData("CQ_SEEDS", "127.0.0.1:0", "CQ_SEEDS (--seeds): '127.0.0.1:0' is not host:port with a port from 1 to 65535")]
    [InlineData("CQ_SEEDS", "a:1,,b:2", "CQ_SEEDS (--seeds): empty entry in 'a:1,,b:2'")]
    [InlineData("CQ_SEEDS", "a:1,a:1", "CQ_SEEDS (--seeds): 'a:1' is listed twice")]
    [InlineData("CQ_SEEDS", "akka.tcp://Other@a:1", "CQ_SEEDS (--seeds): 'akka.tcp://Other@a:1' names actor system 'Other'; ClusterQueue nodes are 'ClusterQueue'")]
    [InlineData("CQ_SEEDS", "http://a:1", "CQ_SEEDS (--seeds): 'http://a:1' is not host:port or akka.tcp://ClusterQueue@host:port")]
    [InlineData("CQ_ROLES", "broker,brokr", "CQ_ROLES (--roles): unknown role 'brokr'; known roles: broker, client")]
    [InlineData("CQ_ROLES", ",", "CQ_ROLES (--roles): at least one role is needed")]
    [InlineData("CQ_JOURNAL_PROVIDER", "mysql", "CQ_JOURNAL_PROVIDER (--journal-provider): 'mysql' is not a journal provider; use sqlite or postgresql")]
    [InlineData("CQ_JOURNAL_PROVIDER", "postgresql", "CQ_JOURNAL_CONNECTION_STRING (--journal-connection-string): required when the journal provider is postgresql")]
    [InlineData("CQ_JOURNAL_CONNECTION_STRING", "Data Source=x.db", "CQ_JOURNAL_CONNECTION_STRING (--journal-connection-string): SQLite journals are files in CQ_DATA_DIR, one per shard; a connection string is only for postgresql")]
    [InlineData("CQ_CONFIG", "missing.conf", "CQ_CONFIG (--config): file '/srv/queue/missing.conf' does not exist")]
    [InlineData("CQ_HOCON_DIR", "/no/such/folder", "CQ_HOCON_DIR (--hocon-dir): folder '/no/such/folder' does not exist")]
    public void Each_invalid_value_gives_an_error_naming_its_setting(string variable, string value, string error)
    {
        Assert.Equal(error, Invalid(new() { [variable] = value }).Message);
    }

    [Fact]
    public void An_unparsable_connection_string_is_named()
    {
        var error = Invalid(new()
        {
            ["CQ_JOURNAL_PROVIDER"] = "postgresql",
            ["CQ_JOURNAL_CONNECTION_STRING"] = "Host=db;Bogus Key=1",
        });

        Assert.Equal("CQ_JOURNAL_CONNECTION_STRING (--journal-connection-string)", error.Key);
        Assert.StartsWith("not a valid PostgreSQL connection string", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_PostgreSQL_connection_string_without_a_host_is_rejected()
    {
        var error = Invalid(new()
        {
            ["CQ_JOURNAL_PROVIDER"] = "postgresql",
            ["CQ_JOURNAL_CONNECTION_STRING"] = "Username=cq",
        });

        Assert.Equal("the PostgreSQL connection string names no Host", error.Problem);
    }

    [Theory]
    [InlineData(new[] { "--prot", "1" }, "--prot: unknown option; known options: --host, --port, --public-host, --pod-name, --pod-namespace, --headless-service, --cluster-domain, --seeds, --roles, --http-port, --data-dir, --journal-provider, --journal-connection-string, --config, --hocon-dir")]
    [InlineData(new[] { "4053" }, "4053: unexpected argument; options are written --name value")]
    [InlineData(new[] { "--port" }, "CQ_PORT (--port): option given without a value")]
    [InlineData(new[] { "--port", "--host", "x" }, "CQ_PORT (--port): option given without a value")]
    public void Malformed_command_lines_are_named(string[] args, string error)
    {
        Assert.Equal(error, Invalid(args: args).Message);
    }

    [Fact]
    public void A_data_folder_that_cannot_be_created_is_named()
    {
        var file = Path.GetTempFileName();
        try
        {
            var error = Assert.Throws<NodeConfigurationException>(() => DataFolder.Prepare(Path.Combine(file, "data")));

            Assert.Equal("CQ_DATA_DIR (--data-dir)", error.Key);
            Assert.StartsWith($"cannot create or write '{file}/data'", error.Problem, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
