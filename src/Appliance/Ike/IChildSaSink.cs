using System.Net;

namespace Appliance.Ike;

/// <summary>
/// Where negotiated Child SAs go: the data plane installs them; ESP-in-UDP arriving on the IKE
/// NAT-T socket is handed over too, since port 4500 carries both (RFC 3948).
/// </summary>
public interface IChildSaSink
{
    /// <param name="deferOutbound">The SA answers the peer's rekey: keep sending on the old SA until the peer uses this one.</param>
    void Install(ChildSaInfo child, bool deferOutbound = false);
    void Remove(string tunnel, uint inboundSpi, uint outboundSpi);

    /// <summary>An installed Child SA's endpoints moved (NAT rebinding, RFC 7296 §2.23): same SPIs and keys, new addresses.</summary>
    void UpdateEndpoints(ChildSaInfo child);
    void DeliverEspInUdp(IPEndPoint local, IPEndPoint remote, ReadOnlySpan<byte> espPacket);
}
