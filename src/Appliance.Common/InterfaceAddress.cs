using System.Net;
using System.Net.Sockets;

namespace Appliance.Common;

/// <summary>
/// An address with its prefix length as configured on a NIC, e.g. 192.168.1.1/24: unlike <see cref="IPNetwork"/>, host
/// bits are the point. The LAN setup puts it on the interface; DHCP and DNS serve from it.
/// </summary>
public readonly record struct InterfaceAddress(IPAddress Address, int PrefixLength)
{
    public static bool TryParse(string? text, out InterfaceAddress value)
    {
        value = default;
        int slash = text?.IndexOf('/') ?? -1;
        if (slash <= 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            || !int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out int length))
            return false;
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (length < 1 || length > max) return false;
        value = new InterfaceAddress(address, length);
        return true;
    }

    public IPNetwork Network => new(Mask(Address, PrefixLength), PrefixLength);

    /// <summary>The IPv4 subnet's broadcast address (all host bits set); null for IPv6, which has none.</summary>
    public IPAddress? Ipv4Broadcast
    {
        get
        {
            if (Address.AddressFamily != AddressFamily.InterNetwork) return null;
            uint host = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Address.GetAddressBytes()) | (uint.MaxValue >> PrefixLength);
            var bytes = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, host);
            return new IPAddress(bytes);
        }
    }

    private static IPAddress Mask(IPAddress address, int length)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(length - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }

    public override string ToString() => $"{Address}/{PrefixLength}";
}
