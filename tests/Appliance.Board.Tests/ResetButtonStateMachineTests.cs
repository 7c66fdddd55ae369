namespace Appliance.Board.Tests;

/// <summary>The pure state machine, with explicit times (milliseconds since power-up).</summary>
public class ResetButtonStateMachineTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Press_dates_from_the_first_edge_despite_bounce()
    {
        var m = new ResetButtonStateMachine();
        m.Start(false, Ms(0));
        m.Edge(true, Ms(1000));
        m.Edge(false, Ms(1002));
        m.Edge(true, Ms(1004));
        Assert.Equal(ButtonActions.None, m.Poll(true, Ms(1040)));
        Assert.Equal(ButtonPhase.Pressed, m.Phase);

        // 10 s after the first edge (not after the last bounce) it arms.
        Assert.Equal(ButtonActions.None, m.Poll(true, Ms(10_999)));
        Assert.Equal(ButtonActions.Armed, m.Poll(true, Ms(11_000)));
        m.Edge(false, Ms(11_500));
        Assert.Equal(ButtonActions.FactoryReset, m.Poll(false, Ms(11_540)));
        Assert.Equal(ButtonPhase.Released, m.Phase);
    }

    [Fact]
    public void Arming_needs_the_pin_to_read_pressed()
    {
        var m = new ResetButtonStateMachine();
        m.Start(false, Ms(0));
        m.Edge(true, Ms(0));
        m.Poll(true, Ms(100));
        // The edge for the release was lost, and the poll at 10 s reads released: no arming.
        Assert.Equal(ButtonActions.None, m.Poll(false, Ms(10_000)));
        // Released after 10 s unarmed: too long for a short press, never confirmed for a reset.
        Assert.Equal(ButtonActions.None, m.Poll(false, Ms(10_030)));
        Assert.Equal(ButtonPhase.Released, m.Phase);
    }

    [Fact]
    public void Edges_alone_classify_presses_when_no_poll_came_between()
    {
        var m = new ResetButtonStateMachine();
        m.Start(false, Ms(0));
        m.Edge(true, Ms(0));
        m.Edge(false, Ms(1999));
        Assert.Equal(ButtonActions.ShortPress, m.Poll(false, Ms(2100)));

        m.Edge(true, Ms(5000));
        m.Edge(false, Ms(7000));
        Assert.Equal(ButtonActions.None, m.Poll(false, Ms(7100)));
    }

    [Fact]
    public void Events_before_start_are_refused()
    {
        var m = new ResetButtonStateMachine();
        Assert.Throws<InvalidOperationException>(() => m.Poll(true, Ms(0)));
        m.Start(true, Ms(0));
        Assert.Throws<InvalidOperationException>(() => m.Start(true, Ms(0)));
    }

    [Fact]
    public void Custom_timings_are_honoured()
    {
        var m = new ResetButtonStateMachine(new ResetButtonTiming { HoldToReset = TimeSpan.FromSeconds(3), StuckAfter = TimeSpan.FromSeconds(5) });
        m.Start(false, Ms(0));
        m.Edge(true, Ms(0));
        Assert.Equal(ButtonActions.Armed, m.Poll(true, Ms(3000)));
        Assert.Equal(ButtonActions.StuckFault | ButtonActions.Disarmed, m.Poll(true, Ms(5000)));
        m.Edge(false, Ms(6000));
        Assert.Equal(ButtonActions.StuckCleared, m.Poll(false, Ms(6030)));
    }
}
