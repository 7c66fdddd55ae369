using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Appliance.Linux.Packets;

/// <summary>
/// The box's own IPv6 address on the LAN NIC, as the source of ICMPv6 Packet Too Big: for header-included IPv6
/// packets the kernel does not choose one. A global address is preferred; the link-local one is fine too, since
/// the LAN host the error goes to is on that link. Looked up again at most every few seconds, as addresses come
/// and go (SLAAC, DHCPv6), and only when a Packet Too Big is due.
/// </summary>
internal sealed class LanIpv6Source(string lanInterface, TimeProvider time)
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);
    private sealed record Cached(byte[]? Address, long At);
    private volatile Cached? _cached;

    /// <summary>The address's 16 bytes, or null when the NIC has no IPv6 address.</summary>
    public byte[]? Get()
    {
        var cached = _cached;
        long now = time.GetTimestamp();
        if (cached is not null && time.GetElapsedTime(cached.At, now) < Refresh) return cached.Address;
        byte[]? address = Lookup(lanInterface);
        _cached = new Cached(address, now);
        return address;
    }

    internal static byte[]? Lookup(string lanInterface)
    {
        try
        {
            var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == lanInterface);
            var addresses = nic?.GetIPProperties().UnicastAddresses
                .Select(u => u.Address)
                .Where(a => a.AddressFamily == AddressFamily.InterNetworkV6 && !a.IsIPv6Multicast && !IPAddress.IPv6Loopback.Equals(a))
                .ToList() ?? [];
            IPAddress? best = addresses.FirstOrDefault(a => !a.IsIPv6LinkLocal) ?? addresses.FirstOrDefault(a => a.IsIPv6LinkLocal);
            return best?.GetAddressBytes();
        }
        catch (NetworkInformationException)
        {
            return null;
        }
    }
}
