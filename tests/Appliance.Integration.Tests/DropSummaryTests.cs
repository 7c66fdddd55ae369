using Appliance.DataPath;
using Appliance.Linux;

namespace Appliance.Integration.Tests;

/// <summary>The data plane's drop counters summed up per interval: one line with the reasons, nothing when quiet.</summary>
public sealed class DropSummaryTests
{
    [Fact]
    public void A_line_names_only_what_grew_since_the_last_and_quiet_intervals_give_none()
    {
        var summary = new DropSummary();
        var interval = TimeSpan.FromSeconds(10);
        Assert.Equal("data plane dropped 5 packets in the last 10 s: unknownSpi 5",
            summary.Next(new Dictionary<DataPlaneDropReason, long> { [DataPlaneDropReason.UnknownSpi] = 5 }, interval));
        Assert.Equal("data plane dropped 1200 packets in the last 10 s: unknownSpi 200, authenticationFailed 1000",
            summary.Next(new Dictionary<DataPlaneDropReason, long>
            {
                [DataPlaneDropReason.UnknownSpi] = 205,
                [DataPlaneDropReason.AuthenticationFailed] = 1000,
            }, interval));
        Assert.Null(summary.Next(new Dictionary<DataPlaneDropReason, long>
        {
            [DataPlaneDropReason.UnknownSpi] = 205,
            [DataPlaneDropReason.AuthenticationFailed] = 1000,
        }, interval));
    }
}
