using Appliance.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Integration.Tests;

/// <summary>The service's log lines: one entry per line, syslog priorities under systemd, UTC time by hand.</summary>
public sealed class LineLoggerTests
{
    private static (StringWriter Output, ILogger Logger) Make(bool systemd)
    {
        var output = new StringWriter();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 13, 2, 11, 123, TimeSpan.Zero));
        var provider = new LineLoggerProvider(output, systemd, clock);
        return (output, provider.CreateLogger("Appliance.Ike.IkeService"));
    }

    [Fact]
    public void By_hand_a_line_has_utc_time_level_category_and_event_id()
    {
        var (output, logger) = Make(systemd: false);
        logger.LogInformation(new EventId(7), "tunnel {Name} up", "hq");
        Assert.Equal("13:02:11.123 info: Appliance.Ike.IkeService[7] tunnel hq up" + Environment.NewLine, output.ToString());
    }

    [Theory]
    [InlineData(LogLevel.Debug, "<7>")]
    [InlineData(LogLevel.Information, "<6>")]
    [InlineData(LogLevel.Warning, "<4>")]
    [InlineData(LogLevel.Error, "<3>")]
    [InlineData(LogLevel.Critical, "<2>")]
    public void Under_systemd_a_line_starts_with_the_syslog_priority_and_has_no_time(LogLevel level, string prefix)
    {
        var (output, logger) = Make(systemd: true);
        logger.Log(level, "peer {Address} gone", "192.0.2.1");
        Assert.Equal(prefix + "Appliance.Ike.IkeService[0] peer 192.0.2.1 gone" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void Multi_line_messages_and_exceptions_stay_on_one_line()
    {
        var (output, logger) = Make(systemd: true);
        logger.LogError(new InvalidOperationException("bad\nstate"), "first\nsecond");
        string text = output.ToString();
        Assert.Single(text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("<3>Appliance.Ike.IkeService[0] first second System.InvalidOperationException: bad state", text);
    }
}
