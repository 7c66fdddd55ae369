using System.Net;

namespace Appliance.Lan.Dns;

/// <summary>How the forwarder reaches an upstream; sockets in production, a fake in the unit tests.</summary>
public interface IDnsTransport
{
    /// <summary>One query over UDP from a random port; null on timeout or error.</summary>
    Task<byte[]?> UdpAsync(IPEndPoint server, byte[] query, CancellationToken cancel);

    /// <summary>One query over TCP (two-byte length prefix, RFC 1035 §4.2.2); null on timeout or error.</summary>
    Task<byte[]?> TcpAsync(IPEndPoint server, byte[] query, CancellationToken cancel);

    /// <summary>One query over TLS (RFC 7858), the certificate checked for <paramref name="name"/>; null on failure.</summary>
    Task<byte[]?> TlsAsync(IPEndPoint server, string name, byte[] query, CancellationToken cancel);
}

/// <summary>Where "wan" and "hq" resolve to right now.</summary>
public interface IDnsUpstreamSource
{
    /// <summary>The WAN's resolvers (from the WAN's DHCP lease); empty when unknown.</summary>
    IReadOnlyList<IPAddress> WanResolvers();

    /// <summary>HQ's resolvers from the IKE configuration payload of an established tunnel; empty while no tunnel is up.</summary>
    IReadOnlyList<IPAddress> HqResolvers();
}
