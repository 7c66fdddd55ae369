using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace Appliance.Ike.Exchanges;

/// <summary>
/// Stateless cookies (RFC 7296 §2.6): Cookie = VersionIDofSecret | Hash(Ni | IPi | SPIi | secret), with
/// the secret rotated periodically and the previous one still accepted.
/// </summary>
internal sealed class CookieJar(TimeProvider time, IIkeRandom random, TimeSpan lifetime)
{
    private byte[] _secret = [];
    private byte[] _previous = [];
    private uint _version;
    private DateTimeOffset _rotateAt = DateTimeOffset.MinValue;

    public byte[] Create(ReadOnlySpan<byte> ni, IPAddress initiator, ulong spiI)
    {
        RotateIfDue();
        return Compute(_version, _secret, ni, initiator, spiI);
    }

    public bool Verify(ReadOnlySpan<byte> cookie, ReadOnlySpan<byte> ni, IPAddress initiator, ulong spiI)
    {
        RotateIfDue();
        if (cookie.Length != 4 + 32)
            return false;
        uint version = BinaryPrimitives.ReadUInt32BigEndian(cookie);
        byte[] secret = version == _version ? _secret : version == _version - 1 ? _previous : [];
        if (secret.Length == 0)
            return false;
        return CryptographicOperations.FixedTimeEquals(cookie, Compute(version, secret, ni, initiator, spiI));
    }

    private void RotateIfDue()
    {
        DateTimeOffset now = time.GetUtcNow();
        if (now < _rotateAt)
            return;
        _previous = _secret;
        _secret = new byte[32];
        random.Fill(_secret);
        _version++;
        _rotateAt = now + lifetime;
    }

    private static byte[] Compute(uint version, byte[] secret, ReadOnlySpan<byte> ni, IPAddress initiator, ulong spiI)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(ni);
        h.AppendData(initiator.GetAddressBytes());
        Span<byte> spi = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(spi, spiI);
        h.AppendData(spi);
        h.AppendData(secret);
        var cookie = new byte[4 + 32];
        BinaryPrimitives.WriteUInt32BigEndian(cookie, version);
        h.GetHashAndReset(cookie.AsSpan(4));
        return cookie;
    }
}
