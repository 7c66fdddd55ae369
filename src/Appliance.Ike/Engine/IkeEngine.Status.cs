namespace Appliance.Ike;

public sealed partial class IkeEngine
{
    private IkeStatus GetStatusCore()
    {
        var tunnels = new List<TunnelStatus>();
        foreach (IkeTunnelConfig config in _tunnels.Values)
        {
            if (config.RemoteAccess is not null)
            {
                tunnels.Add(new TunnelStatus(config.Name, null, []) { Clients = ClientsOf(config) });
                continue;
            }
            IkeSa? sa = _sas.Values.Where(s => s.Config == config)
                .OrderBy(s => s.State == IkeSaState.Established ? 0 : 1).FirstOrDefault();
            if (sa is null)
            {
                tunnels.Add(new TunnelStatus(config.Name, null, []));
                continue;
            }
            tunnels.Add(new TunnelStatus(config.Name, IkeSaStatusOf(sa), ChildStatusOf(sa)));
        }
        return new IkeStatus(tunnels, Counters.Snapshot()) { IkeSas = _sas.Count, HalfOpenIkeSas = HalfOpenCount() };
    }

    /// <summary>Every IKE SA of the tunnel, whatever its state and configuration version (SPIs as in the events).</summary>
    public IReadOnlyList<(ulong InitiatorSpi, ulong ResponderSpi)> IkeSasOf(string tunnelName)
    {
        lock (_gate) return [.. _sas.Values.Where(s => s.Config?.Name == tunnelName).Select(s => (s.InitiatorSpi, s.ResponderSpi))];
    }

    private List<RemoteAccessClientStatus> ClientsOf(IkeTunnelConfig config) =>
        _sas.Values.Where(s => s.Config == config && s.Lease is not null && s.State == IkeSaState.Established)
            .OrderBy(s => s.Lease!.Since)
            .Select(s => new RemoteAccessClientStatus(s.Lease!.User, s.Remote, s.Lease.VirtualIps.ToList(), s.Lease.Since,
                IkeSaStatusOf(s), ChildStatusOf(s)))
            .ToList();

    private static IkeSaStatus IkeSaStatusOf(IkeSa sa) =>
        new(sa.State, sa.IsInitiator, sa.InitiatorSpi, sa.ResponderSpi,
            sa.Suite is null ? null : sa.SuiteName, sa.EstablishedAt, sa.Local, sa.Remote, sa.RemoteId, sa.NatDetected);

    private static List<ChildSaStatus> ChildStatusOf(IkeSa sa) =>
        sa.Children.Select(c => new ChildSaStatus(c.Info.InboundSpi, c.Info.OutboundSpi, c.Info.Suite,
            c.Info.LocalTs, c.Info.RemoteTs, c.EstablishedAt, c.Info.UdpEncapsulation, Protocol: c.Info.Protocol)).ToList();
}
