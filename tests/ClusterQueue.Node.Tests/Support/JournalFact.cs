using ClusterQueue.TestSupport;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ClusterQueue.Node.Tests.Support;

/// <summary>A test class whose facts run against PostgreSQL.</summary>
public interface IRunsOnPostgreSql;

/// <summary>
/// A fact of a journal contract suite: one abstract class of facts, one subclass per journal. On a
/// class that runs on PostgreSQL it is skipped, with the reason, when no server is available and
/// CI is not set (<see cref="TestPostgres.SkipReason"/>).
/// </summary>
[XunitTestCaseDiscoverer("ClusterQueue.Node.Tests.Support.JournalFactDiscoverer", "ClusterQueue.Node.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class JournalFactAttribute : FactAttribute;

public sealed class JournalFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var onPostgreSql = typeof(IRunsOnPostgreSql).IsAssignableFrom(testMethod.TestClass.Class.ToRuntimeType());
        return onPostgreSql && TestPostgres.SkipReason is { } reason
            ? new XunitSkippedDataRowTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason)
            : base.CreateTestCase(discoveryOptions, testMethod, factAttribute);
    }
}
