using Appliance.Ike.Tests.Eap;

namespace Appliance.Ike.Tests.Engine;

public class RateLimitedLogTests
{
    [Fact]
    public void One_line_per_interval_per_kind_and_the_next_line_counts_what_was_held_back()
    {
        var log = new ListLogger();
        var limited = new RateLimitedLog(log, TimeSpan.FromSeconds(10));
        var t0 = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        Assert.True(limited.Info("a", t0, "from {0}", "10.0.0.1"));
        for (int i = 0; i < 999; i++)
            Assert.False(limited.Info("a", t0 + TimeSpan.FromMilliseconds(i), "from {0}", "10.0.0.2"));
        Assert.True(limited.Info("b", t0, "other kind"));
        Assert.True(limited.Info("a", t0 + TimeSpan.FromSeconds(10), "from {0}", "10.0.0.3"));
        Assert.Equal(["from 10.0.0.1", "other kind", "from 10.0.0.3 (999 more like it in the last 10 s not logged)"], log.Lines);
    }
}
