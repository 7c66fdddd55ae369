using Appliance.Linux.Packets;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Linux.Tests.Unit;

public sealed class IcmpRateLimitTests
{
    [Fact]
    public void A_burst_goes_out_then_the_rate_refills_it()
    {
        var time = new FakeTimeProvider();
        var limit = new IcmpRateLimit(time, perSecond: 10, burst: 5);
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => limit.TryTake()));
        time.Advance(TimeSpan.FromMilliseconds(250)); // 2.5 tokens
        Assert.Equal(2, Enumerable.Range(0, 20).Count(_ => limit.TryTake()));
        time.Advance(TimeSpan.FromSeconds(60)); // never more than the burst
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => limit.TryTake()));
    }
}
