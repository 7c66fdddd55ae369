using System.Text.Json;

namespace Appliance.Integration.Tests.Harness;

/// <summary>The "drops" object of `appliance status --json`: reasons with no drop are absent, i.e. zero.</summary>
public static class StatusDrops
{
    public static long Count(JsonDocument status, string reason) =>
        status.RootElement.GetProperty("drops").TryGetProperty(reason, out var n) ? n.GetInt64() : 0;

    /// <summary>Asserts none of <paramref name="reasons"/> dropped a packet; returns the whole object for the test output.</summary>
    public static string AssertNone(JsonDocument status, params string[] reasons)
    {
        string all = status.RootElement.GetProperty("drops").GetRawText();
        foreach (string reason in reasons)
            Assert.True(Count(status, reason) == 0, $"{reason} drops: {all}");
        return all;
    }
}
