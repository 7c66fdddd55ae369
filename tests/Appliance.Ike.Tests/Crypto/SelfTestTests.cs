using Appliance.Ike.Crypto.SelfTest;

namespace Appliance.Ike.Tests.Crypto;

public class SelfTestTests
{
    [Fact]
    public void EveryIkeKnownAnswerTest_Passes()
    {
        IReadOnlyList<(string Name, bool Passed)> results = IkeKnownAnswerTests.Run();
        Assert.True(results.Count >= 12, $"only {results.Count} self-tests ran");
        Assert.All(results, r => Assert.True(r.Passed, r.Name));
    }
}
