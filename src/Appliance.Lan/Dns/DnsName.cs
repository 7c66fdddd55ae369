using System.Text;

namespace Appliance.Lan.Dns;

/// <summary>Domain names in DNS wire format (RFC 1035 §3.1), shared by the DNS codec and DHCP's domain search (RFC 3397).</summary>
public static class DnsName
{
    public const int MaxLength = 255;  // wire octets, RFC 1035 §2.3.4
    public const int MaxLabel = 63;

    /// <summary>Lower-cased, without the trailing dot; "" is the root. Null when not a valid host/domain name.</summary>
    public static string? Normalize(string name)
    {
        string n = name.Trim().TrimEnd('.').ToLowerInvariant();
        if (n.Length == 0) return "";
        if (n.Length > 253) return null;
        foreach (string label in n.Split('.'))
        {
            if (label.Length is 0 or > MaxLabel) return null;
            foreach (char c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '*')) return null;
        }
        return n;
    }

    /// <summary>Uncompressed wire form of a normalized name (labels, then the zero root label).</summary>
    public static byte[] Encode(string normalized)
    {
        var bytes = new List<byte>(normalized.Length + 2);
        if (normalized.Length > 0)
            foreach (string label in normalized.Split('.'))
            {
                bytes.Add((byte)label.Length);
                bytes.AddRange(Encoding.ASCII.GetBytes(label));
            }
        bytes.Add(0);
        if (bytes.Count > MaxLength) throw new ArgumentException($"'{normalized}' is longer than {MaxLength} octets in wire form");
        return [.. bytes];
    }

    /// <summary>Whether <paramref name="name"/> equals <paramref name="domain"/> or lies below it (both normalized).</summary>
    public static bool IsAtOrBelow(string name, string domain) =>
        domain.Length == 0 || name == domain ||
        (name.Length > domain.Length && name.EndsWith(domain, StringComparison.Ordinal) && name[name.Length - domain.Length - 1] == '.');
}
