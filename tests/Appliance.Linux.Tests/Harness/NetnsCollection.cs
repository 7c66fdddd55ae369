namespace Appliance.Linux.Tests.Harness;

/// <summary>Every test that builds namespaces shares one topology and runs sequentially.</summary>
[CollectionDefinition(Name)]
public sealed class NetnsCollection : ICollectionFixture<BoxTopology>
{
    public const string Name = "netns";
}
