using System.Net;

namespace Appliance.Lan.Dhcp;

/// <summary>
/// A client's BOOTREQUEST after validation (RFC 2131 §2): the fixed fields the server reads and the
/// options, each concatenated across repeated instances as RFC 3396 requires.
/// </summary>
public sealed class DhcpPacket
{
    public required uint TransactionId { get; init; }
    public required ushort Seconds { get; init; }
    public required bool Broadcast { get; init; }
    public required IPAddress ClientAddress { get; init; }   // ciaddr
    public required IPAddress RelayAddress { get; init; }    // giaddr
    public required MacAddress ClientHardware { get; init; } // chaddr (Ethernet, hlen 6)
    public required DhcpMessageType MessageType { get; init; }
    public required IReadOnlyDictionary<byte, byte[]> Options { get; init; }

    public byte[]? Option(byte code) => Options.GetValueOrDefault(code);

    /// <summary>Option 50, or null when absent or not four bytes.</summary>
    public IPAddress? RequestedAddress => AddressOption(DhcpOption.RequestedIpAddress);

    /// <summary>Option 54, or null when absent or not four bytes.</summary>
    public IPAddress? ServerIdentifier => AddressOption(DhcpOption.ServerIdentifier);

    /// <summary>Option 12 as printable ASCII (anything else is dropped: it ends up in status and logs).</summary>
    public string? HostName
    {
        get
        {
            if (Option(DhcpOption.HostName) is not { Length: > 0 and <= 63 } raw) return null;
            foreach (byte b in raw)
                if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.')) return null;
            return System.Text.Encoding.ASCII.GetString(raw);
        }
    }

    private IPAddress? AddressOption(byte code) => Option(code) is { Length: 4 } v ? new IPAddress(v) : null;
}

/// <summary>An Ethernet hardware address, printed as aa:bb:cc:dd:ee:ff.</summary>
public readonly record struct MacAddress(ulong Value)
{
    public static MacAddress FromBytes(ReadOnlySpan<byte> six)
    {
        if (six.Length != 6) throw new ArgumentException("a MAC address has six bytes", nameof(six));
        ulong v = 0;
        foreach (byte b in six) v = (v << 8) | b;
        return new MacAddress(v);
    }

    public void WriteTo(Span<byte> destination)
    {
        for (int i = 0; i < 6; i++) destination[i] = (byte)(Value >> (8 * (5 - i)));
    }

    public static bool TryParse(string text, out MacAddress mac)
    {
        mac = default;
        string[] parts = text.Split(':', '-');
        if (parts.Length != 6) return false;
        ulong v = 0;
        foreach (string p in parts)
        {
            if (p.Length != 2 || !byte.TryParse(p, System.Globalization.NumberStyles.AllowHexSpecifier, null, out byte b)) return false;
            v = (v << 8) | b;
        }
        mac = new MacAddress(v);
        return true;
    }

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[6];
        WriteTo(b);
        return $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}";
    }
}
