namespace Appliance.Board;

/// <summary>
/// The box's LED language: a pure function from <see cref="ApplianceState"/> to LED patterns.
/// PWR says whether the service lives, WAN whether the uplink has carrier, VPN how the tunnels are,
/// FLT what needs a human. board/LEDS.md is the printed form of this table; keep them in step.
/// </summary>
public static class LedLanguage
{
    /// <param name="alive">The liveness watchdog is fresh (the host's main loop runs). While booting the
    /// host may not feed it yet, so a stale watchdog only counts once booting is over.</param>
    public static LedPatterns Patterns(ApplianceState state, bool alive)
    {
        ArgumentNullException.ThrowIfNull(state);
        bool hung = !alive && !state.Booting;
        // A technician holding the button must see "armed" whatever else is going on.
        if (state.ResetArmed)
            return new LedPatterns(hung ? LedPattern.On : PowerPattern(state), LedPattern.Off, LedPattern.Off, LedPattern.FastBlink);

        LedPattern power = hung ? LedPattern.On : PowerPattern(state);
        if (state.Booting)
            return new LedPatterns(power, LedPattern.Off, LedPattern.Off, state.Fault ? LedPattern.On : LedPattern.Off);

        LedPattern wan = state.WanLinkUp ? LedPattern.On : LedPattern.Off;
        return new LedPatterns(power, wan, TunnelPattern(state), FaultPattern(state, hung));
    }

    /// <summary>The most urgent thing the LEDs are saying, for status output and logs.</summary>
    public static ApplianceCondition Classify(ApplianceState state, bool alive)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.ResetArmed) return ApplianceCondition.FactoryResetArmed;
        if (!alive && !state.Booting) return ApplianceCondition.ServiceHung;
        if (state.Fault) return ApplianceCondition.Fault;
        if (state.ProvisioningMode) return ApplianceCondition.ProvisioningMode;
        if (state.Booting) return ApplianceCondition.Booting;
        if (state.ConfiguredTunnels.Any(t => t == TunnelState.AuthFailed)) return ApplianceCondition.AuthenticationFailed;
        if (!state.WanLinkUp) return ApplianceCondition.NoWanLink;
        if (state.ConfiguredTunnels.Any(t => t == TunnelState.PeerUnreachable)) return ApplianceCondition.PeerUnreachable;
        return TunnelSummary(state) switch
        {
            TunnelPicture.NoneConfigured => ApplianceCondition.NoTunnelConfigured,
            TunnelPicture.AllUp => ApplianceCondition.AllTunnelsUp,
            TunnelPicture.Negotiating => ApplianceCondition.Negotiating,
            _ => ApplianceCondition.SomeTunnelsDown,
        };
    }

    /// <summary>Label text for a condition: what it means and what to do.</summary>
    public static string Describe(ApplianceCondition condition) => condition switch
    {
        ApplianceCondition.Booting => "starting up",
        ApplianceCondition.ServiceHung => "service not responding: power-cycle the box",
        ApplianceCondition.FactoryResetArmed => "factory reset armed: release the button to erase settings",
        ApplianceCondition.ProvisioningMode => "provisioning mode: connect to the serial console",
        ApplianceCondition.Fault => "service fault: see the log or 'appliance status'",
        ApplianceCondition.AuthenticationFailed => "authentication failed: check the pre-shared key or certificates",
        ApplianceCondition.PeerUnreachable => "VPN peer unreachable: check the peer address and the internet path",
        ApplianceCondition.NoWanLink => "no WAN link: check the WAN cable",
        ApplianceCondition.NoTunnelConfigured => "online, no tunnel configured",
        ApplianceCondition.Negotiating => "online, tunnels negotiating",
        ApplianceCondition.SomeTunnelsDown => "online, some tunnels down",
        ApplianceCondition.AllTunnelsUp => "online, all tunnels up",
        _ => condition.ToString(),
    };

    private enum TunnelPicture { NoneConfigured, AllUp, SomeUp, Negotiating, NoneUp }

    private static TunnelPicture TunnelSummary(ApplianceState state)
    {
        int configured = 0, up = 0, negotiating = 0;
        foreach (TunnelState t in state.ConfiguredTunnels)
        {
            configured++;
            if (t == TunnelState.Up) up++;
            else if (t == TunnelState.Negotiating) negotiating++;
        }
        if (configured == 0) return TunnelPicture.NoneConfigured;
        if (up == configured) return TunnelPicture.AllUp;
        if (up > 0) return TunnelPicture.SomeUp;
        return negotiating > 0 ? TunnelPicture.Negotiating : TunnelPicture.NoneUp;
    }

    private static LedPattern TunnelPattern(ApplianceState state)
    {
        // Without carrier no tunnel can be up, whatever stale states the IKE host still holds.
        if (!state.WanLinkUp) return LedPattern.Off;
        return TunnelSummary(state) switch
        {
            TunnelPicture.NoneConfigured => LedPattern.Off,
            TunnelPicture.AllUp => LedPattern.On,
            TunnelPicture.Negotiating => LedPattern.FastBlink,
            _ => LedPattern.SlowBlink,
        };
    }

    private static LedPattern PowerPattern(ApplianceState state) =>
        state.ProvisioningMode ? LedPattern.DoubleFlash
        : state.Booting ? LedPattern.SlowBlink
        : LedPattern.Heartbeat;

    private static LedPattern FaultPattern(ApplianceState state, bool hung)
    {
        if (hung || state.Fault) return LedPattern.On;
        // Authentication failures outrank reachability: they will not fix themselves.
        if (state.ConfiguredTunnels.Any(t => t == TunnelState.AuthFailed)) return LedPattern.DoubleFlash;
        if (state.WanLinkUp && state.ConfiguredTunnels.Any(t => t == TunnelState.PeerUnreachable)) return LedPattern.SlowBlink;
        return LedPattern.Off;
    }
}
