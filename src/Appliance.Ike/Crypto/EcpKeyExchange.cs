using System.Security.Cryptography;

namespace Appliance.Ike.Crypto;

/// <summary>
/// NIST prime-curve groups 19/20/21 (RFC 5903): KE data is x | y, each the field size; the shared secret
/// is the x coordinate of the product point only (RFC 5903 §7, errata 9).
/// </summary>
internal sealed class EcpKeyExchange : KeyExchange
{
    private readonly ECDiffieHellman _key;
    private readonly byte[] _public;
    private readonly ECCurve _curve;
    private readonly int _fieldBytes;

    public EcpKeyExchange(DhGroup group, IIkeRandomBytes random) : base(group)
    {
        (_curve, _fieldBytes, byte[] order) = group switch
        {
            DhGroup.Ecp256 => (ECCurve.NamedCurves.nistP256, 32, Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551")),
            DhGroup.Ecp384 => (ECCurve.NamedCurves.nistP384, 48, Convert.FromHexString(
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973")),
            _ => (ECCurve.NamedCurves.nistP521, 66, Convert.FromHexString(
                "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409")),
        };
        byte[] d = DrawScalar(random, order);
        try
        {
            _key = ECDiffieHellman.Create(new ECParameters { Curve = _curve, D = d });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
        ECParameters p = _key.ExportParameters(includePrivateParameters: false);
        _public = new byte[2 * _fieldBytes];
        p.Q.X!.CopyTo(_public.AsSpan(_fieldBytes - p.Q.X!.Length));
        p.Q.Y!.CopyTo(_public.AsSpan(2 * _fieldBytes - p.Q.Y!.Length));
    }

    /// <summary>Rejection sampling of 1 ≤ d &lt; n (FIPS 186-5 A.2.2), so injected bytes are used unchanged when valid.</summary>
    private static byte[] DrawScalar(IIkeRandomBytes random, byte[] order)
    {
        var d = new byte[order.Length];
        while (true)
        {
            random.Fill(d);
            if (order[0] == 0x01)
                d[0] &= 0x01; // P-521: only 521 bits are meaningful
            if (d.AsSpan().SequenceCompareTo(order) < 0 && d.AsSpan().IndexOfAnyExcept((byte)0) >= 0)
                return d;
        }
    }

    public override ReadOnlyMemory<byte> PublicValue => _public;

    public override int PublicValueLength => 2 * _fieldBytes;

    public override bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, out byte[] sharedSecret)
    {
        sharedSecret = [];
        if (peerPublicValue.Length != 2 * _fieldBytes)
            return false;
        try
        {
            // Importing checks that the point is on the curve (OpenSSL EC_KEY_set_public_key_affine_coordinates),
            // which RFC 5903 §7 / SP 800-56A §5.6.2.3 require before use.
            using var peer = ECDiffieHellman.Create(new ECParameters
            {
                Curve = _curve,
                Q = new ECPoint
                {
                    X = peerPublicValue[.._fieldBytes].ToArray(),
                    Y = peerPublicValue[_fieldBytes..].ToArray(),
                },
            });
            byte[] x = _key.DeriveRawSecretAgreement(peer.PublicKey);
            if (x.Length == _fieldBytes)
            {
                sharedSecret = x;
                return true;
            }
            sharedSecret = new byte[_fieldBytes];
            x.CopyTo(sharedSecret.AsSpan(_fieldBytes - x.Length));
            CryptographicOperations.ZeroMemory(x);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _key.Dispose();
    }
}
