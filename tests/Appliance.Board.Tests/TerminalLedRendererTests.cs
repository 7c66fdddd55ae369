namespace Appliance.Board.Tests;

public class TerminalLedRendererTests
{
    private static LedSnapshot Snapshot(LedPattern vpn, bool vpnOn) => new(
        [
            new LedReading("PWR", LedRole.Power, LedColour.Green, LedPattern.Heartbeat, true),
            new LedReading("WAN", LedRole.Wan, LedColour.Green, LedPattern.On, true),
            new LedReading("VPN", LedRole.Tunnel, LedColour.Blue, vpn, vpnOn),
            new LedReading("FLT", LedRole.Fault, LedColour.Red, LedPattern.Off, false),
        ],
        ApplianceCondition.Negotiating, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Plain_line_shows_steady_off_and_blinking()
    {
        Assert.Equal("[PWR ◐] [WAN ●] [VPN ◐] [FLT ○]  online, tunnels negotiating",
                     TerminalLedRenderer.Render(Snapshot(LedPattern.FastBlink, true), ansi: false));
    }

    [Fact]
    public void Ansi_line_colours_lit_leds_and_dims_dark_ones()
    {
        string line = TerminalLedRenderer.Render(Snapshot(LedPattern.FastBlink, false), ansi: true);
        Assert.Equal(
            "[PWR \u001b[1;32m◐\u001b[0m] [WAN \u001b[1;32m●\u001b[0m] [VPN \u001b[2m◐\u001b[0m] [FLT \u001b[2m○\u001b[0m]  online, tunnels negotiating",
            line);
    }

    [Fact]
    public void Status_lines_name_colour_pattern_and_level()
    {
        Assert.Equal(
            [
                "PWR  green  heartbeat    (lit)",
                "WAN  green  on           (lit)",
                "VPN  blue   fast blink   (dark)",
                "FLT  red    off          (dark)",
                "meaning: online, tunnels negotiating",
            ],
            TerminalLedRenderer.DescribeLines(Snapshot(LedPattern.FastBlink, false)));
    }

    [Fact]
    public void Into_a_file_only_pattern_changes_are_written()
    {
        var output = new StringWriter();
        var renderer = new TerminalLedRenderer(output, ansi: false);

        renderer.Write(Snapshot(LedPattern.FastBlink, true));
        renderer.Write(Snapshot(LedPattern.FastBlink, false)); // A blink: same line, not repeated.
        renderer.Write(Snapshot(LedPattern.On, true));

        Assert.Equal(
            "[PWR ◐] [WAN ●] [VPN ◐] [FLT ○]  online, tunnels negotiating\n" +
            "[PWR ◐] [WAN ●] [VPN ●] [FLT ○]  online, tunnels negotiating\n",
            output.ToString().Replace("\r\n", "\n"));
    }

    [Fact]
    public void On_a_terminal_the_line_is_redrawn_in_place()
    {
        var output = new StringWriter();
        var renderer = new TerminalLedRenderer(output, ansi: true);
        renderer.Write(Snapshot(LedPattern.FastBlink, true));
        renderer.Write(Snapshot(LedPattern.FastBlink, false));

        string text = output.ToString();
        Assert.Equal(2, text.Split("\r\u001b[2K").Length - 1);
        Assert.DoesNotContain('\n', text);
    }

    [Fact]
    public void Renderer_follows_the_led_service()
    {
        using var board = new SimulatedBoard();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var state = new ApplianceStateHolder();
        var leds = new LedService(board.Profile, board.Controller, state, new LivenessWatchdog(time), time);
        var output = new StringWriter();
        var renderer = new TerminalLedRenderer(output, ansi: false);
        leds.Changed += renderer.Write;

        leds.Tick();
        state.MarkBooted();
        state.SetWanLink(true);
        leds.Tick();

        Assert.Equal(
            "[PWR ◐] [WAN ○] [VPN ○] [FLT ○]  starting up\n" +
            "[PWR ◐] [WAN ●] [VPN ○] [FLT ○]  online, no tunnel configured\n",
            output.ToString().Replace("\r\n", "\n"));
    }
}
