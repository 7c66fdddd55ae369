namespace Appliance.Board.Tests;

public class LedLanguageTests
{
    private static readonly ApplianceState Online = new() { WanLinkUp = true };

    private static ApplianceState WithTunnels(ApplianceState state, params TunnelState[] tunnels) => state with
    {
        Tunnels = tunnels.Select((t, i) => ($"t{i}", t)).Aggregate(OrdinalMap<TunnelState>.Empty, (m, e) => m.SetItem(e.Item1, e.t)),
    };

    public static TheoryData<string, ApplianceState, bool, ApplianceCondition, LedPatterns> Table => new()
    {
        { "booting", ApplianceState.Initial, true, ApplianceCondition.Booting,
          new(LedPattern.SlowBlink, LedPattern.Off, LedPattern.Off, LedPattern.Off) },
        { "no WAN link", new ApplianceState(), true, ApplianceCondition.NoWanLink,
          new(LedPattern.Heartbeat, LedPattern.Off, LedPattern.Off, LedPattern.Off) },
        { "WAN up, no tunnel configured", WithTunnels(Online, TunnelState.NotConfigured), true, ApplianceCondition.NoTunnelConfigured,
          new(LedPattern.Heartbeat, LedPattern.On, LedPattern.Off, LedPattern.Off) },
        { "negotiating", WithTunnels(Online, TunnelState.Negotiating, TunnelState.Down), true, ApplianceCondition.Negotiating,
          new(LedPattern.Heartbeat, LedPattern.On, LedPattern.FastBlink, LedPattern.Off) },
        { "all tunnels up", WithTunnels(Online, TunnelState.Up, TunnelState.Up), true, ApplianceCondition.AllTunnelsUp,
          new(LedPattern.Heartbeat, LedPattern.On, LedPattern.On, LedPattern.Off) },
        { "some tunnels down", WithTunnels(Online, TunnelState.Up, TunnelState.Down), true, ApplianceCondition.SomeTunnelsDown,
          new(LedPattern.Heartbeat, LedPattern.On, LedPattern.SlowBlink, LedPattern.Off) },
        { "all tunnels down", WithTunnels(Online, TunnelState.Down), true, ApplianceCondition.SomeTunnelsDown,
          new(LedPattern.Heartbeat, LedPattern.On, LedPattern.SlowBlink, LedPattern.Off) },
        { "authentication failed", WithTunnels(Online, TunnelState.AuthFailed, TunnelState.Up), true, ApplianceCondition.AuthenticationFailed,
          new(LedPattern.Heartbeat, LedPattern.On, LedPattern.SlowBlink, LedPattern.DoubleFlash) },
        { "peer unreachable", WithTunnels(Online, TunnelState.PeerUnreachable), true, ApplianceCondition.PeerUnreachable,
          new(LedPattern.Heartbeat, LedPattern.On, LedPattern.SlowBlink, LedPattern.SlowBlink) },
        { "provisioning mode", new ApplianceState { ProvisioningMode = true }, true, ApplianceCondition.ProvisioningMode,
          new(LedPattern.DoubleFlash, LedPattern.Off, LedPattern.Off, LedPattern.Off) },
        { "factory reset armed", WithTunnels(Online, TunnelState.Up) with { ResetArmed = true }, true, ApplianceCondition.FactoryResetArmed,
          new(LedPattern.Heartbeat, LedPattern.Off, LedPattern.Off, LedPattern.FastBlink) },
        { "fault", WithTunnels(Online, TunnelState.Up) with { Faults = OrdinalMap<string>.Empty.Add("ike", "socket closed") }, true, ApplianceCondition.Fault,
          new(LedPattern.Heartbeat, LedPattern.On, LedPattern.On, LedPattern.On) },
        { "service hung", WithTunnels(Online, TunnelState.Up), false, ApplianceCondition.ServiceHung,
          new(LedPattern.On, LedPattern.On, LedPattern.On, LedPattern.On) },
        { "booting with a stuck button", ApplianceState.Initial with { Faults = OrdinalMap<string>.Empty.Add("reset-button", "stuck") }, false, ApplianceCondition.Fault,
          new(LedPattern.SlowBlink, LedPattern.Off, LedPattern.Off, LedPattern.On) },
        { "held at power-up: provisioning while booting", ApplianceState.Initial with { ProvisioningMode = true }, true, ApplianceCondition.ProvisioningMode,
          new(LedPattern.DoubleFlash, LedPattern.Off, LedPattern.Off, LedPattern.Off) },
        { "armed while booting", ApplianceState.Initial with { ResetArmed = true }, true, ApplianceCondition.FactoryResetArmed,
          new(LedPattern.SlowBlink, LedPattern.Off, LedPattern.Off, LedPattern.FastBlink) },
        { "under-voltage", WithTunnels(Online, TunnelState.Up) with { Health = BoardHealthFlags.UnderVoltage | BoardHealthFlags.Throttled }, true, ApplianceCondition.UnderVoltage,
          new(LedPattern.Heartbeat, LedPattern.On, LedPattern.On, LedPattern.TripleFlash) },
        { "overheating", WithTunnels(Online, TunnelState.Up) with { Health = BoardHealthFlags.Hot | BoardHealthFlags.SoftTemperatureLimit }, true, ApplianceCondition.Overheating,
          new(LedPattern.Heartbeat, LedPattern.On, LedPattern.On, LedPattern.TripleFlash) },
        { "under-voltage outranks a fault and an authentication failure", WithTunnels(Online, TunnelState.AuthFailed) with
            { Health = BoardHealthFlags.UnderVoltage, Faults = OrdinalMap<string>.Empty.Add("ike", "socket closed") }, true,
          ApplianceCondition.UnderVoltage, new(LedPattern.Heartbeat, LedPattern.On, LedPattern.SlowBlink, LedPattern.TripleFlash) },
        { "hung outranks under-voltage", WithTunnels(Online, TunnelState.Up) with { Health = BoardHealthFlags.UnderVoltage }, false, ApplianceCondition.ServiceHung,
          new(LedPattern.On, LedPattern.On, LedPattern.On, LedPattern.On) },
        { "factory reset armed outranks overheating", WithTunnels(Online, TunnelState.Up) with { ResetArmed = true, Health = BoardHealthFlags.Throttled }, true,
          ApplianceCondition.FactoryResetArmed, new(LedPattern.Heartbeat, LedPattern.Off, LedPattern.Off, LedPattern.FastBlink) },
        { "under-voltage while booting", ApplianceState.Initial with { Health = BoardHealthFlags.UnderVoltage }, true, ApplianceCondition.UnderVoltage,
          new(LedPattern.SlowBlink, LedPattern.Off, LedPattern.Off, LedPattern.TripleFlash) },
        { "WAN down hides stale tunnel states", WithTunnels(new ApplianceState(), TunnelState.Up, TunnelState.PeerUnreachable), true, ApplianceCondition.NoWanLink,
          new(LedPattern.Heartbeat, LedPattern.Off, LedPattern.Off, LedPattern.Off) },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Each_state_has_its_pattern(string name, ApplianceState state, bool alive, ApplianceCondition condition, LedPatterns patterns)
    {
        Assert.Equal(patterns, LedLanguage.Patterns(state, alive));
        Assert.Equal(condition, LedLanguage.Classify(state, alive));
        Assert.False(string.IsNullOrWhiteSpace(name));
    }

    [Fact]
    public void The_states_the_issue_names_all_look_different()
    {
        // A technician must tell them apart from the LEDs alone.
        var pictures = Table.Select(row => (string)row[0]).Zip(Table.Select(row => (LedPatterns)row[4]))
            .Where(p => p.First is not ("all tunnels down" or "WAN down hides stale tunnel states" or "booting with a stuck button"
                                         or "held at power-up: provisioning while booting" or "armed while booting"
                                         // Same light, told apart by `appliance status`: both are "power/thermal problem".
                                         or "overheating" or "under-voltage outranks a fault and an authentication failure"
                                         or "hung outranks under-voltage" or "factory reset armed outranks overheating" or "under-voltage while booting"))
            .ToList();
        Assert.Equal(pictures.Count, pictures.Select(p => p.Second).Distinct().Count());
    }

    [Fact]
    public void Every_condition_has_label_text()
    {
        foreach (ApplianceCondition c in Enum.GetValues<ApplianceCondition>())
            Assert.NotEqual(c.ToString(), LedLanguage.Describe(c));
    }
}
