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
            return new LedPatterns(power, LedPattern.Off, LedPattern.Off,
                state.HealthProblem ? LedPattern.TripleFlash : state.Fault ? LedPattern.On : LedPattern.Off);

        LedPattern wan = state.WanLinkUp ? LedPattern.On : LedPattern.Off;
        TunnelCounts tunnels = TunnelCounts.Of(state);
        return new LedPatterns(power, wan, TunnelPattern(state, tunnels), FaultPattern(state, tunnels, hung));
    }

    /// <summary>The most urgent thing the LEDs are saying, for status output and logs.</summary>
    public static ApplianceCondition Classify(ApplianceState state, bool alive)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.ResetArmed) return ApplianceCondition.FactoryResetArmed;
        if (!alive && !state.Booting) return ApplianceCondition.ServiceHung;
        if (state.HealthProblem)
            return BoardHealthFlagNames.IsPowerProblem(state.Health) ? ApplianceCondition.UnderVoltage : ApplianceCondition.Overheating;
        if (state.Fault) return ApplianceCondition.Fault;
        if (state.ProvisioningMode) return ApplianceCondition.ProvisioningMode;
        if (state.Booting) return ApplianceCondition.Booting;
        TunnelCounts tunnels = TunnelCounts.Of(state);
        if (tunnels.AuthFailed > 0) return ApplianceCondition.AuthenticationFailed;
        if (!state.WanLinkUp) return ApplianceCondition.NoWanLink;
        if (tunnels.Unreachable > 0) return ApplianceCondition.PeerUnreachable;
        return tunnels.Picture switch
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
        ApplianceCondition.UnderVoltage => "under-voltage: the power supply is too weak; use the specified supply and cable",
        ApplianceCondition.Overheating => "overheating: the box is throttling; give it air, check the fan and the room",
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

    // One pass over the tunnels per question asked (the LED loop asks 20 times a second).
    private readonly record struct TunnelCounts(int Configured, int Up, int Negotiating, int AuthFailed, int Unreachable)
    {
        public static TunnelCounts Of(ApplianceState state)
        {
            int configured = 0, up = 0, negotiating = 0, authFailed = 0, unreachable = 0;
            foreach (KeyValuePair<string, TunnelState> tunnel in state.Tunnels)
            {
                switch (tunnel.Value)
                {
                    case TunnelState.NotConfigured: continue;
                    case TunnelState.Up: up++; break;
                    case TunnelState.Negotiating: negotiating++; break;
                    case TunnelState.AuthFailed: authFailed++; break;
                    case TunnelState.PeerUnreachable: unreachable++; break;
                }
                configured++;
            }
            return new TunnelCounts(configured, up, negotiating, authFailed, unreachable);
        }

        public TunnelPicture Picture =>
            Configured == 0 ? TunnelPicture.NoneConfigured
            : Up == Configured ? TunnelPicture.AllUp
            : Up > 0 ? TunnelPicture.SomeUp
            : Negotiating > 0 ? TunnelPicture.Negotiating
            : TunnelPicture.NoneUp;
    }

    private static LedPattern TunnelPattern(ApplianceState state, TunnelCounts tunnels)
    {
        // Without carrier no tunnel can be up, whatever stale states the IKE host still holds.
        if (!state.WanLinkUp) return LedPattern.Off;
        return tunnels.Picture switch
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

    private static LedPattern FaultPattern(ApplianceState state, TunnelCounts tunnels, bool hung)
    {
        if (hung) return LedPattern.On;
        // Power and heat come before a service fault: a sagging supply or a throttled SoC is often
        // the cause of the fault (USB NICs reset, SD writes fail), and it is what a person can fix.
        if (state.HealthProblem) return LedPattern.TripleFlash;
        if (state.Fault) return LedPattern.On;
        // Authentication failures outrank reachability: they will not fix themselves.
        if (tunnels.AuthFailed > 0) return LedPattern.DoubleFlash;
        if (state.WanLinkUp && tunnels.Unreachable > 0) return LedPattern.SlowBlink;
        return LedPattern.Off;
    }
}
