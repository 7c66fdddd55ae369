namespace Appliance.Ipsec.Packets;

/// <summary>IANA "Assigned Internet Protocol Numbers" used by this layer.</summary>
public static class IpProtocol
{
    public const byte HopByHop = 0;
    public const byte Icmp = 1;
    public const byte IPv4 = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte IPv6 = 41;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte Esp = 50;
    public const byte Ah = 51;
    public const byte IcmpV6 = 58;
    public const byte NoNextHeader = 59;
    public const byte DestinationOptions = 60;

    /// <summary>True for the IPv6 extension headers that may precede ESP/AH (RFC 8200 §4.1).</summary>
    public static bool IsIPv6ExtensionHeader(byte nextHeader) =>
        nextHeader is HopByHop or Routing or Fragment or DestinationOptions;
}
