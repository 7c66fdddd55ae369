using System.Net;

namespace Appliance.Ike;

// Temporary: the exchanges behind the facade land in the next commits.
public sealed partial class IkeEngine
{
    private void OnTunnelAdded(IkeTunnelConfig config) { _ = config; }
    private void InitiateCore(IkeTunnelConfig config) { _ = config; }
    private void TerminateCore(string tunnelName) { _ = tunnelName; }
    private void HandleDatagramCore(IPEndPoint local, IPEndPoint remote, ReadOnlySpan<byte> message)
    {
        Messages.DecodeResult r = Messages.PayloadCodec.TryDecodeMessage(message, out _);
        if (!r.IsOk) Counters.Increment(IkeCounter.Malformed);
        _ = local; _ = remote;
    }
    private TimeSpan? TickCore() => null;
    private IkeStatus GetStatusCore() => new(_tunnels.Keys.Select(n => new TunnelStatus(n, null, [])).ToList(), Counters.Snapshot());
}

internal static class ProposalSet
{
    public static object ParseIke(string text) => text.Length > 0 ? text : throw new FormatException("empty proposal");
    public static object ParseEsp(string text) => text.Length > 0 ? text : throw new FormatException("empty proposal");
}
