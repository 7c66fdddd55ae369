using Xunit.Abstractions;
using Xunit.Sdk;

namespace Appliance.Vm.Tests.Harness;

/// <summary>The order of a scenario's steps: a later step relies on the state an earlier one left (installed, provisioned).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute(int number) : Attribute
{
    public int Number { get; } = number;
}

/// <summary>Runs a class's tests by their [Step] number, so the guest's story reads top to bottom.</summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public const string Name = "Appliance.Vm.Tests.Harness.StepOrderer";
    public const string Assembly = "Appliance.Vm.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName!)
            .Select(a => (int)a.GetConstructorArguments().First()).DefaultIfEmpty(int.MaxValue).First());
}
