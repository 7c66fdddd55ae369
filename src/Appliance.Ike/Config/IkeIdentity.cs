using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Ike;

/// <summary>ID Type values of the IDi/IDr payload (RFC 7296 §3.5).</summary>
public enum IkeIdType : byte
{
    Ipv4Addr = 1,
    Fqdn = 2,
    Rfc822Addr = 3,
    Ipv6Addr = 5,
    DerAsn1Dn = 9,
    DerAsn1Gn = 10,
    KeyId = 11,
}

/// <summary>An IKE identity: ID type and identification data as carried in IDi/IDr.</summary>
public sealed class IkeIdentity : IEquatable<IkeIdentity>
{
    private readonly byte[] _data;

    public IkeIdentity(IkeIdType type, ReadOnlySpan<byte> data, bool isAny = false)
    {
        Type = type;
        _data = data.ToArray();
        IsAny = isAny;
    }

    public IkeIdType Type { get; }
    public ReadOnlySpan<byte> Data => _data;
    /// <summary>strongSwan's "%any": matches every peer identity (only meaningful as a remote id).</summary>
    public bool IsAny { get; }

    public static IkeIdentity Any { get; } = new(IkeIdType.Fqdn, ReadOnlySpan<byte>.Empty, isAny: true);

    /// <summary>
    /// Parses strongSwan-style identity strings: an IPv4/IPv6 address, "user@host" (RFC822),
    /// "@fqdn" or "fqdn" (FQDN), "keyid:#hex" or "keyid:text" (KEY_ID), "CN=..., O=..." (DER_ASN1_DN), "%any".
    /// </summary>
    public static IkeIdentity Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        if (t.Length == 0)
            throw new ArgumentException("identity is empty", nameof(text));
        if (t is "%any" or "%any6")
            return Any;
        if (t.StartsWith("keyid:", StringComparison.OrdinalIgnoreCase))
        {
            string v = t["keyid:".Length..];
            if (v.StartsWith('#'))
            {
                try { return new IkeIdentity(IkeIdType.KeyId, Convert.FromHexString(v[1..])); }
                catch (FormatException) { throw new ArgumentException($"identity '{text}': keyid:# needs hex digits", nameof(text)); }
            }
            if (v.Length == 0)
                throw new ArgumentException($"identity '{text}': empty keyid", nameof(text));
            return new IkeIdentity(IkeIdType.KeyId, Encoding.UTF8.GetBytes(v));
        }
        if (IPAddress.TryParse(t, out IPAddress? ip) && !t.Contains('@'))
        {
            return ip.AddressFamily == AddressFamily.InterNetwork
                ? new IkeIdentity(IkeIdType.Ipv4Addr, ip.GetAddressBytes())
                : new IkeIdentity(IkeIdType.Ipv6Addr, ip.GetAddressBytes());
        }
        if (t.StartsWith('@'))
        {
            string fqdn = t.TrimStart('@');
            if (fqdn.Length == 0)
                throw new ArgumentException($"identity '{text}': empty FQDN", nameof(text));
            return new IkeIdentity(IkeIdType.Fqdn, Encoding.ASCII.GetBytes(fqdn));
        }
        if (t.Contains('@'))
            return new IkeIdentity(IkeIdType.Rfc822Addr, Encoding.ASCII.GetBytes(t));
        if (t.Contains('='))
            return FromDistinguishedName(text, t);
        if (t.Contains(' '))
            throw new ArgumentException($"identity '{text}': spaces are only allowed in a distinguished name (CN=..., O=...)", nameof(text));
        return new IkeIdentity(IkeIdType.Fqdn, Encoding.ASCII.GetBytes(t));
    }

    /// <summary>
    /// ID_DER_ASN1_DN (RFC 7296 §3.5): the DER subject of a certificate. The text is read as .NET and OpenSSL print a
    /// subject, most specific part first ("CN=branch1, O=Example, C=CH"); the identity matches a certificate whose
    /// subject encodes to the same octets.
    /// </summary>
    private static IkeIdentity FromDistinguishedName(string text, string trimmed)
    {
        try
        {
            var dn = new System.Security.Cryptography.X509Certificates.X500DistinguishedName(trimmed);
            return new IkeIdentity(IkeIdType.DerAsn1Dn, dn.RawData);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"identity '{text}': not a distinguished name (CN=..., O=...)", nameof(text));
        }
    }

    /// <summary>True when this (configured) identity accepts the identity the peer presented.</summary>
    public bool Matches(IkeIdentity presented) => IsAny || Equals(presented);

    public bool Equals(IkeIdentity? other) =>
        other is not null && other.IsAny == IsAny && other.Type == Type && other._data.AsSpan().SequenceEqual(_data);

    public override bool Equals(object? obj) => Equals(obj as IkeIdentity);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Type);
        h.AddBytes(_data);
        return h.ToHashCode();
    }

    public override string ToString()
    {
        if (IsAny)
            return "%any";
        return Type switch
        {
            IkeIdType.Ipv4Addr or IkeIdType.Ipv6Addr when _data.Length is 4 or 16 => new IPAddress(_data).ToString(),
            IkeIdType.Fqdn or IkeIdType.Rfc822Addr => Encoding.ASCII.GetString(_data),
            IkeIdType.KeyId => "keyid:#" + Convert.ToHexStringLower(_data),
            IkeIdType.DerAsn1Dn => DistinguishedNameText(),
            _ => $"{Type}:#" + Convert.ToHexStringLower(_data),
        };
    }

    private string DistinguishedNameText()
    {
        try { return new System.Security.Cryptography.X509Certificates.X500DistinguishedName(_data).Name; }
        catch (System.Security.Cryptography.CryptographicException) { return "DerAsn1Dn:#" + Convert.ToHexStringLower(_data); }
    }
}
