namespace Appliance.Ike;

public sealed partial class IkeEngine
{
    private IkeStatus GetStatusCore()
    {
        var tunnels = new List<TunnelStatus>();
        foreach (IkeTunnelConfig config in _tunnels.Values)
        {
            IkeSa? sa = _sas.Values.Where(s => s.Config == config)
                .OrderBy(s => s.State == IkeSaState.Established ? 0 : 1).FirstOrDefault();
            if (sa is null)
            {
                tunnels.Add(new TunnelStatus(config.Name, null, []));
                continue;
            }
            var ike = new IkeSaStatus(sa.State, sa.IsInitiator, sa.InitiatorSpi, sa.ResponderSpi,
                sa.Suite is null ? null : sa.SuiteName, sa.EstablishedAt, sa.Local, sa.Remote, sa.RemoteId, sa.NatDetected);
            var children = sa.Children.Select(c => new ChildSaStatus(c.Info.InboundSpi, c.Info.OutboundSpi, c.Info.Suite,
                c.Info.LocalTs, c.Info.RemoteTs, c.EstablishedAt, c.Info.UdpEncapsulation, Protocol: c.Info.Protocol)).ToList();
            tunnels.Add(new TunnelStatus(config.Name, ike, children));
        }
        return new IkeStatus(tunnels, Counters.Snapshot());
    }
}
