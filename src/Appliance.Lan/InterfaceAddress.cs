using System.Net;
using System.Net.Sockets;

namespace Appliance.Lan;

/// <summary>An address with its prefix length as configured on a NIC, e.g. 192.168.1.1/24 (host bits set).</summary>
public readonly record struct InterfaceAddress(IPAddress Address, int PrefixLength)
{
    public static bool TryParse(string? text, out InterfaceAddress value)
    {
        value = default;
        if (text is null) return false;
        int slash = text.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out var address)) return false;
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out int prefix) || prefix > max)
            return false;
        value = new InterfaceAddress(address, prefix);
        return true;
    }

    public override string ToString() => $"{Address}/{PrefixLength}";
}
