using System.Net;

namespace Appliance.Ike.Gateways;

/// <summary>How gateways are measured and when the box moves between them.</summary>
/// <param name="ProbeInterval">Every gateway is probed this often (one IKE_SA_INIT each).</param>
/// <param name="ProbeTimeout">A probe without an answer by then counts as lost.</param>
/// <param name="FailBackAfter">A gateway must be clearly faster than the active one for this long before the tunnel moves to it.</param>
/// <param name="FailBackRatio">"Clearly faster": its round trip at most this fraction of the active one's ...</param>
/// <param name="FailBackMargin">... and at least this much shorter, so jitter between two near-equal gateways never moves the tunnel.</param>
/// <param name="LostAfter">Probes lost in a row before a gateway counts as unreachable.</param>
public sealed record GatewayOptions(
    TimeSpan ProbeInterval,
    TimeSpan ProbeTimeout,
    TimeSpan FailBackAfter,
    double FailBackRatio = 0.8,
    TimeSpan FailBackMargin = default,
    int LostAfter = 2)
{
    public TimeSpan Margin => FailBackMargin == default ? TimeSpan.FromMilliseconds(10) : FailBackMargin;
}

public enum GatewayState
{
    /// <summary>Not measured yet.</summary>
    Unknown,
    /// <summary>Its IKE daemon answers probes.</summary>
    Reachable,
    /// <summary>Probes went unanswered <see cref="GatewayOptions.LostAfter"/> times in a row, or its name does not resolve.</summary>
    Unreachable,
    /// <summary>The tunnel through it failed (DPD, retransmissions exhausted, the SA deleted); it is used again once it answers probes.</summary>
    Failed,
}

/// <summary>One configured gateway: an address or a name, what it resolves to, and how it answers.</summary>
public sealed class Gateway(string name, int order)
{
    /// <summary>As configured: "10.0.0.1" or "vpn.example.com".</summary>
    public string Name { get; } = name;

    /// <summary>Position in the configured list; ties and blind fail-over follow it.</summary>
    public int Order { get; } = order;

    /// <summary>The address in use; null while a name has not resolved.</summary>
    public IPAddress? Address { get; internal set; }

    public GatewayState State { get; internal set; }

    /// <summary>Smoothed round-trip time of the probes (RFC 6298-style EWMA, gain 1/4); null before the first answer.</summary>
    public TimeSpan? Rtt { get; internal set; }

    public DateTimeOffset? LastAnswer { get; internal set; }
    public int Lost { get; internal set; }
    public long Probes { get; internal set; }
    public long Answers { get; internal set; }
}

/// <summary>
/// Picks the gateway a tunnel uses: the fastest one that answers, kept until it fails or another is clearly faster
/// for a while (hysteresis), so two gateways of similar distance never make the tunnel flap. Pure: measurements and
/// failures come in, the choice goes out; the caller probes, resolves names and moves the tunnel.
/// </summary>
public sealed class GatewaySelector
{
    private readonly GatewayOptions _options;
    private readonly TimeProvider _time;
    private readonly Gateway[] _gateways;
    private Gateway? _betterCandidate;
    private DateTimeOffset _betterSince;

    public GatewaySelector(IReadOnlyList<string> names, GatewayOptions options, TimeProvider time)
    {
        if (names.Count == 0) throw new ArgumentException("no gateways", nameof(names));
        _options = options;
        _time = time;
        _gateways = [.. names.Select((n, i) => new Gateway(n, i))];
        foreach (var g in _gateways)
            if (IPAddress.TryParse(g.Name, out var address)) g.Address = address;
    }

    public IReadOnlyList<Gateway> Gateways => _gateways;
    public GatewayOptions Options => _options;

    /// <summary>The gateway the tunnel uses now; null before the first choice.</summary>
    public Gateway? Active { get; private set; }

    /// <summary>Whether <paramref name="name"/> needs resolving (it is not an address).</summary>
    public static bool IsName(string name) => !IPAddress.TryParse(name, out _);

    /// <summary>A name resolved: its first address is used; none, and the gateway is unreachable until it resolves again.</summary>
    public void Resolved(Gateway gateway, IReadOnlyList<IPAddress> addresses)
    {
        var address = addresses.Count > 0 ? addresses[0] : null;
        if (Equals(address, gateway.Address)) return;
        gateway.Address = address;
        // A new address is a new machine as far as measurements go.
        gateway.Rtt = null;
        gateway.Lost = 0;
        gateway.State = address is null ? GatewayState.Unreachable : GatewayState.Unknown;
    }

    public void Probed(Gateway gateway) => gateway.Probes++;

    public void Answered(Gateway gateway, TimeSpan rtt)
    {
        gateway.Answers++;
        gateway.Lost = 0;
        gateway.LastAnswer = _time.GetUtcNow();
        gateway.Rtt = gateway.Rtt is { } old ? old + (rtt - old) / 4 : rtt;
        gateway.State = GatewayState.Reachable;
    }

    public void Lost(Gateway gateway)
    {
        gateway.Lost++;
        if (gateway.Lost >= _options.LostAfter && gateway.State != GatewayState.Failed) gateway.State = GatewayState.Unreachable;
    }

    /// <summary>The tunnel through the active gateway failed; the next <see cref="Choose"/> moves away from it.</summary>
    public void ActiveFailed()
    {
        if (Active is null) return;
        Active.State = GatewayState.Failed;
        Active.Lost = 0;
    }

    /// <summary>Records that the tunnel now uses <paramref name="gateway"/>.</summary>
    public void Use(Gateway gateway)
    {
        Active = gateway;
        _betterCandidate = null;
    }

    /// <summary>
    /// The gateway the tunnel should use now. Before the first choice: the fastest that answered, else the first with an
    /// address. While the active one is healthy: it stays, unless another has been clearly faster for
    /// <see cref="GatewayOptions.FailBackAfter"/>. When it failed or stopped answering: the fastest other that answers,
    /// else the next in the configured order (tried blind: a probe may be filtered where IKE is not).
    /// </summary>
    public Gateway? Choose()
    {
        var answering = _gateways.Where(g => g.Address is not null && g.State == GatewayState.Reachable && g.Rtt is not null)
            .OrderBy(g => g.Rtt).ThenBy(g => g.Order).ToList();
        if (Active is null)
            return answering.FirstOrDefault() ?? _gateways.FirstOrDefault(g => g.Address is not null);
        if (Active.Address is null || Active.State is GatewayState.Failed or GatewayState.Unreachable)
        {
            _betterCandidate = null;
            return answering.FirstOrDefault(g => g != Active) ?? NextAfter(Active) ?? Active;
        }
        var best = answering.FirstOrDefault();
        if (best is null || best == Active || Active.Rtt is not { } current || !ClearlyFaster(best.Rtt!.Value, current))
        {
            _betterCandidate = null;
            return Active;
        }
        var now = _time.GetUtcNow();
        if (_betterCandidate != best)
        {
            _betterCandidate = best;
            _betterSince = now;
        }
        return now - _betterSince >= _options.FailBackAfter ? best : Active;
    }

    private bool ClearlyFaster(TimeSpan candidate, TimeSpan current) =>
        candidate <= current * _options.FailBackRatio && current - candidate >= _options.Margin;

    private Gateway? NextAfter(Gateway active)
    {
        for (int i = 1; i < _gateways.Length; i++)
        {
            var g = _gateways[(active.Order + i) % _gateways.Length];
            if (g.Address is not null && g.State != GatewayState.Failed) return g;
        }
        return null;
    }
}
