namespace Appliance.Board.Tests;

public class LedPatternTimingTests
{
    // Sampled every 50 ms for 2 s from the start of the pattern; '1' = lit. Written out by hand from
    // the documented timings (board/LEDS.md), not computed, so a change to the code has to be deliberate.
    [Theory]
    [InlineData(LedPattern.Off, "0000000000000000000000000000000000000000")]
    [InlineData(LedPattern.On, "1111111111111111111111111111111111111111")]
    [InlineData(LedPattern.SlowBlink, "1111111111000000000011111111110000000000")]
    [InlineData(LedPattern.FastBlink, "1100110011001100110011001100110011001100")]
    [InlineData(LedPattern.DoubleFlash, "1111000011110000000000000000000000000000")]
    [InlineData(LedPattern.Heartbeat, "1100011000000000000011000110000000000000")]
    [InlineData(LedPattern.TripleFlash, "1111000011110000111100000000000000000000")]
    public void Pattern_over_two_seconds(LedPattern pattern, string expected)
    {
        string sampled = string.Concat(Enumerable.Range(0, 40)
            .Select(k => LedPatternTiming.IsOn(pattern, TimeSpan.FromMilliseconds(50 * k)) ? '1' : '0'));
        Assert.Equal(expected, sampled);
    }

    [Fact]
    public void Blinking_patterns_repeat_with_their_period()
    {
        foreach (LedPattern pattern in Enum.GetValues<LedPattern>().Where(LedPatternTiming.Blinks))
        {
            TimeSpan period = LedPatternTiming.Period(pattern);
            Assert.True(period > TimeSpan.Zero);
            for (int ms = 0; ms < period.TotalMilliseconds; ms += 10)
                Assert.Equal(LedPatternTiming.IsOn(pattern, TimeSpan.FromMilliseconds(ms)),
                             LedPatternTiming.IsOn(pattern, TimeSpan.FromMilliseconds(ms) + 3 * period));
        }
    }
}
