using System.Net;

namespace Appliance.Ike;

/// <summary>
/// Where negotiated Child SAs go: the data plane installs them; ESP-in-UDP arriving on the IKE
/// NAT-T socket is handed over too, since port 4500 carries both (RFC 3948).
/// </summary>
public interface IChildSaSink
{
    void Install(ChildSaInfo child, OutboundUse outbound = OutboundUse.Now);
    void Remove(string tunnel, uint inboundSpi, uint outboundSpi);

    /// <summary>An installed Child SA's endpoints moved (NAT rebinding, RFC 7296 §2.23): same SPIs and keys, new addresses.</summary>
    void UpdateEndpoints(ChildSaInfo child);
    void DeliverEspInUdp(IPEndPoint local, IPEndPoint remote, ReadOnlySpan<byte> espPacket);
}

/// <summary>When the data path may send on a newly installed Child SA.</summary>
public enum OutboundUse
{
    /// <summary>At once (a new tunnel, or our own rekey completed).</summary>
    Now,
    /// <summary>We answered the peer's rekey: once the peer sends on it or deletes the old SA.</summary>
    AfterPeer,
    /// <summary>The redundant SA of a rekey collision, deleted next: receive only.</summary>
    Never,
}
