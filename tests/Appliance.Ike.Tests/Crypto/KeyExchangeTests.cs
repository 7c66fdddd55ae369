using System.Numerics;
using Appliance.Ike.Crypto;

namespace Appliance.Ike.Tests.Crypto;

public class KeyExchangeTests
{
    public static TheoryData<DhGroup, string, string, string, string, string> Rfc5903 => new()
    {
        // RFC 5903 §8.1, 256-bit random ECP group (19)
        {
            DhGroup.Ecp256,
            "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
            "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180" + "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
            "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
            "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63" + "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
            "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"
        },
        // RFC 5903 §8.2, 384-bit random ECP group (20)
        {
            DhGroup.Ecp384,
            "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655e35b538041e649ee3faef896783ab194",
            "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa" +
            "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
            "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942e0308312916b8ed2960e4bd55a7448fc",
            "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571" +
            "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
            "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4d603135569b9e9d09cf5d4a270f59746"
        },
        // RFC 5903 §8.3, 521-bit random ECP group (21)
        {
            DhGroup.Ecp521,
            "0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a095aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d4a52",
            "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbee1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176ced3e" +
            "017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10ad8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f9582",
            "0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb151685eb9",
            "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a219b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9460f" +
            "015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0fc56a",
            "01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3ddea"
        },
        // RFC 7748 §6.1 (X25519 Diffie-Hellman), used by IKEv2 as group 31 (RFC 8031)
        {
            DhGroup.Curve25519,
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
        },
    };

    [Theory]
    [MemberData(nameof(Rfc5903))]
    public void PublishedVectors_BothSides(DhGroup group, string i, string gi, string r, string gr, string gir)
    {
        using var initiator = KeyExchange.Create(group, new FixedRandom(Hex.Parse(i)));
        using var responder = KeyExchange.Create(group, new FixedRandom(Hex.Parse(r)));
        Assert.Equal(group, initiator.Group);
        Assert.Equal(gi, Hex.Of(initiator.PublicValue.Span));
        Assert.Equal(gr, Hex.Of(responder.PublicValue.Span));
        Assert.True(initiator.TryComputeSharedSecret(Hex.Parse(gr), out byte[] s1));
        Assert.True(responder.TryComputeSharedSecret(Hex.Parse(gi), out byte[] s2));
        Assert.Equal(gir, Hex.Of(s1));
        Assert.Equal(gir, Hex.Of(s2));
    }

    // RFC 7748 §5.2: the two X25519 function vectors (scalar, u-coordinate → output). The second u has its
    // top bit set, which implementations must mask (§5).
    [Theory]
    [InlineData("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")]
    [InlineData("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")]
    public void X25519_Rfc7748_FunctionVectors(string scalar, string u, string expected)
    {
        using var kex = KeyExchange.Create(DhGroup.Curve25519, new FixedRandom(Hex.Parse(scalar)));
        Assert.True(kex.TryComputeSharedSecret(Hex.Parse(u), out byte[] output));
        Assert.Equal(expected, Hex.Of(output));
    }

    [Theory]
    [InlineData(DhGroup.Modp2048, 256)]
    [InlineData(DhGroup.Modp1024, 128)]
    [InlineData(DhGroup.Ecp256, 64)]
    [InlineData(DhGroup.Ecp384, 96)]
    [InlineData(DhGroup.Ecp521, 132)]
    [InlineData(DhGroup.Curve25519, 32)]
    public void TwoParties_Agree_WithWireSizedValues(DhGroup group, int publicLength)
    {
        using var a = KeyExchange.Create(group, new CountingRandom(1));
        using var b = KeyExchange.Create(group);
        Assert.Equal(publicLength, a.PublicValue.Length);
        Assert.Equal(publicLength, a.PublicValueLength);
        Assert.True(a.TryComputeSharedSecret(b.PublicValue.Span, out byte[] s1));
        Assert.True(b.TryComputeSharedSecret(a.PublicValue.Span, out byte[] s2));
        Assert.Equal(s1, s2);
        int expectedSecret = group switch { DhGroup.Modp2048 => 256, DhGroup.Modp1024 => 128, DhGroup.Ecp256 => 32, DhGroup.Ecp384 => 48, DhGroup.Ecp521 => 66, _ => 32 };
        Assert.Equal(expectedSecret, s1.Length);
    }

    [Theory]
    [InlineData(DhGroup.Modp2048)]
    [InlineData(DhGroup.Ecp256)]
    [InlineData(DhGroup.Ecp384)]
    [InlineData(DhGroup.Ecp521)]
    [InlineData(DhGroup.Curve25519)]
    public void WrongLength_IsRefused(DhGroup group)
    {
        using var a = KeyExchange.Create(group);
        byte[] tooShort = a.PublicValue.Span[..^1].ToArray();
        byte[] tooLong = [.. a.PublicValue.Span, 0];
        Assert.False(a.TryComputeSharedSecret(tooShort, out byte[] s));
        Assert.Empty(s);
        Assert.False(a.TryComputeSharedSecret(tooLong, out _));
        Assert.False(a.TryComputeSharedSecret([], out _));
    }

    [Theory]
    [InlineData(DhGroup.Ecp256)]
    [InlineData(DhGroup.Ecp384)]
    [InlineData(DhGroup.Ecp521)]
    public void PointNotOnCurve_IsRefused(DhGroup group)
    {
        using var a = KeyExchange.Create(group);
        using var b = KeyExchange.Create(group);
        byte[] bad = b.PublicValue.ToArray();
        bad[^1] ^= 0x01; // y changed: (x, y') is not on the curve
        Assert.False(a.TryComputeSharedSecret(bad, out _));
        Assert.False(a.TryComputeSharedSecret(new byte[bad.Length], out _));
    }

    [Fact]
    public void Modp_DegenerateValues_AreRefused()
    {
        using var a = KeyExchange.Create(DhGroup.Modp2048);
        var p = new BigInteger(Hex.Parse(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF"),
            isUnsigned: true, isBigEndian: true);
        foreach (BigInteger y in new[] { BigInteger.Zero, BigInteger.One, p - 1, p, p + 1 })
        {
            var wire = new byte[256];
            if (y < BigInteger.Pow(2, 2048))
                y.TryWriteBytes(wire.AsSpan(256 - y.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
            else
                wire.AsSpan().Fill(0xff);
            Assert.False(a.TryComputeSharedSecret(wire, out _));
        }
        // The range check compares octet strings: its edges 2 and p - 2 are valid public values.
        foreach (BigInteger y in new[] { new BigInteger(2), p - 2 })
        {
            var wire = new byte[256];
            y.TryWriteBytes(wire.AsSpan(256 - y.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
            Assert.True(a.TryComputeSharedSecret(wire, out _));
        }
    }

    // RFC 7748 §6.1 / RFC 8031 §2.1: a low-order peer point (here u = 0) gives an all-zero secret, which must be refused.
    [Fact]
    public void X25519_AllZeroResult_IsRefused()
    {
        using var a = KeyExchange.Create(DhGroup.Curve25519);
        Assert.False(a.TryComputeSharedSecret(new byte[32], out _));
        byte[] one = new byte[32];
        one[0] = 1;
        Assert.False(a.TryComputeSharedSecret(one, out _));
    }

    // The constant-time libcrypto path must be the one in use here (Debian 12 and the image ship libcrypto.so.3)
    // and must agree with BigInteger's arithmetic, including results with leading zero bytes.
    [Fact]
    public void OpenSslModExp_IsUsed_AndAgreesWithBigInteger()
    {
        Assert.True(OpenSslModExp.IsAvailable, "libcrypto.so.3 not usable: MODP falls back to the slow, non-constant-time path");
        var random = new Random(5);
        byte[] modulus = Hex.Parse("f7e75fdc469067ffdc4e847c51f452df"); // odd 128-bit modulus
        var m = new BigInteger(modulus, isUnsigned: true, isBigEndian: true);
        for (int i = 0; i < 200; i++)
        {
            var b = new byte[16];
            var e = new byte[random.Next(1, 40)];
            random.NextBytes(b);
            random.NextBytes(e);
            var result = new byte[16];
            Assert.True(OpenSslModExp.TryModPow(b, e, modulus, result));
            BigInteger expected = BigInteger.ModPow(new BigInteger(b, isUnsigned: true, isBigEndian: true) % m,
                new BigInteger(e, isUnsigned: true, isBigEndian: true), m);
            Assert.Equal(expected, new BigInteger(result, isUnsigned: true, isBigEndian: true));
        }
    }

    // RFC 3526 §3: the generator is 2, so the private value 2 has the public value 4.
    [Fact]
    public void Modp_PublicValue_IsTwoToTheExponent()
    {
        var exponent = new byte[40];
        exponent[^1] = 2;
        using var kex = KeyExchange.Create(DhGroup.Modp2048, new FixedRandom(exponent));
        byte[] expected = new byte[256];
        expected[^1] = 4;
        Assert.Equal(expected, kex.PublicValue.ToArray());
    }

    // RFC 2409 §6.2's prime for the weak Windows profile: 2^x mod p, and p-1 (order 2) and values ≥ p refused.
    [Fact]
    public void Modp1024_uses_the_second_oakley_group()
    {
        var exponent = new byte[40];
        exponent[^1] = 2;
        using var kex = KeyExchange.Create(DhGroup.Modp1024, new FixedRandom(exponent));
        byte[] expected = new byte[128];
        expected[^1] = 4;
        Assert.Equal(expected, kex.PublicValue.ToArray());
        byte[] p = Convert.FromHexString("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
            "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F2411" +
            "7C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF");
        Assert.False(kex.TryComputeSharedSecret(p, out _));
        p[^1]--;
        Assert.False(kex.TryComputeSharedSecret(p, out _));
        p[^1]--;
        Assert.True(kex.TryComputeSharedSecret(p, out _));
    }

    [Fact]
    public void UnsupportedGroup_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyExchange.Create((DhGroup)1));
}
