using System.Security.Cryptography;
using Appliance.Ike.Crypto;

namespace Appliance.Ike.Tests.Crypto;

public class SkProtectionTests
{
    // RFC 7634 Appendix B: an INFORMATIONAL request protected with ChaCha20-Poly1305.
    // Key 80..9f, salt a0a1a2a3, IV 1011121314151617; the inner payload is one Notify (12 bytes) + pad length 0.
    [Fact]
    public void Rfc7634_AppendixB_ByteForByte()
    {
        byte[] keyAndSalt = [.. Enumerable.Range(0x80, 32).Select(i => (byte)i), 0xa0, 0xa1, 0xa2, 0xa3];
        byte[] associated = Hex.Parse("c0c1c2c3c4c5c6c7 d0d1d2d3d4d5d6d7 2e202500 00000009 00000045 29000029");
        byte[] notify = Hex.Parse("0000000c 00004001 0000000a");
        byte[] iv = Hex.Parse("1011121314151617");
        const string expectedBody = "1011121314151617" + "610394701f8d017f7c12924889" + "6b71bfe25236efd7cdc67066906315b2";

        using var sk = SkProtection.Create(EncryptionAlgorithm.ChaCha20Poly1305, 256, IntegrityAlgorithm.None, keyAndSalt, []);
        Assert.Equal(0x29 - 4, sk.GetProtectedLength(notify.Length)); // SK payload length 0x29 minus its generic header
        var body = new byte[sk.GetProtectedLength(notify.Length)];
        sk.Protect(associated, notify, iv, body);
        Assert.Equal(expectedBody, Hex.Of(body));
        Assert.Equal(0x45, associated.Length + body.Length); // the IKE header's Length field

        Assert.True(sk.TryUnprotect(associated, Hex.Parse(expectedBody), out byte[] plain));
        Assert.Equal(notify, plain);
    }

    // AES-GCM Test Case 4 of McGrew & Viega, "The Galois/Counter Mode of Operation" (also NIST's GCM test set):
    // K = feffe992..., IV = cafebabe facedbaddecaf888, A = feedface...abaddad2. In IKE terms the first 4 IV bytes
    // are the salt (RFC 5282 §4) and the 8 others the explicit IV. The plaintext's last byte (0x39 = 57) is then
    // read as the pad length, leaving 60 - 57 - 1 = 2 bytes of payload.
    [Fact]
    public void AesGcm_McGrewViegaCase4_Opens()
    {
        byte[] keyAndSalt = Hex.Parse("feffe9928665731c6d6a8f9467308308 cafebabe");
        byte[] aad = Hex.Parse("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        byte[] body = Hex.Parse(
            "facedbaddecaf888" +
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091" +
            "5bc94fbc3221a5db94fae95ae7121a47");
        using var sk = SkProtection.Create(EncryptionAlgorithm.AesGcm16, 128, IntegrityAlgorithm.None, keyAndSalt, []);
        Assert.True(sk.TryUnprotect(aad, body, out byte[] plain));
        Assert.Equal(Hex.Parse("d931"), plain);

        body[^1] ^= 1;
        Assert.False(sk.TryUnprotect(aad, body, out _));
    }

    // AES-128-CBC from NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt). The last plaintext byte 0x10 is read as a
    // pad length of 16, leaving 64 - 16 - 1 = 47 bytes. The ICV is HMAC-SHA-256-128 over AAD | IV | ciphertext.
    [Fact]
    public void AesCbc_Sp80038a_F21_Opens_AfterIcvCheck()
    {
        byte[] key = Hex.Parse("2b7e151628aed2a6abf7158809cf4f3c");
        byte[] iv = Hex.Parse("000102030405060708090a0b0c0d0e0f");
        byte[] cipher = Hex.Parse("7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2 73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7");
        byte[] plainBlocks = Hex.Parse("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710");
        byte[] integKey = Enumerable.Repeat((byte)0x5a, 32).ToArray();
        byte[] aad = Hex.Parse("0102030405060708 1112131415161718 2e202508 00000001 00000074 29000058");
        byte[] icv = HMACSHA256.HashData(integKey, (byte[])[.. aad, .. iv, .. cipher])[..16];
        byte[] body = [.. iv, .. cipher, .. icv];

        using var sk = SkProtection.Create(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha256_128, key, integKey);
        Assert.True(sk.TryUnprotect(aad, body, out byte[] plain));
        Assert.Equal(plainBlocks[..47], plain);

        aad[^1] ^= 1; // the ICV covers the header too
        Assert.False(sk.TryUnprotect(aad, body, out _));
    }

    public static TheoryData<EncryptionAlgorithm, int, IntegrityAlgorithm> Suites => new()
    {
        { EncryptionAlgorithm.AesGcm16, 128, IntegrityAlgorithm.None },
        { EncryptionAlgorithm.AesGcm16, 192, IntegrityAlgorithm.None },
        { EncryptionAlgorithm.AesGcm16, 256, IntegrityAlgorithm.None },
        { EncryptionAlgorithm.ChaCha20Poly1305, 256, IntegrityAlgorithm.None },
        { EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha256_128 },
        { EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.HmacSha384_192 },
        { EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.HmacSha512_256 },
    };

    private static SkProtection Make(EncryptionAlgorithm enc, int bits, IntegrityAlgorithm integ)
    {
        byte[] encKey = Enumerable.Range(1, TransformRegistry.EncryptionKeyBytes(enc, bits)).Select(i => (byte)i).ToArray();
        byte[] integKey = Enumerable.Range(100, TransformRegistry.IntegrityKeyBytes(integ)).Select(i => (byte)i).ToArray();
        return SkProtection.Create(enc, bits, integ, encKey, integKey);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void RoundTrip_EveryLength_AndSizes(EncryptionAlgorithm enc, int bits, IntegrityAlgorithm integ)
    {
        using var sk = Make(enc, bits, integ);
        bool cbc = enc == EncryptionAlgorithm.AesCbc;
        Assert.Equal(cbc ? 16 : 8, sk.IvSize);
        Assert.Equal(cbc ? TransformRegistry.IntegrityIcvBytes(integ) : 16, sk.IcvSize);
        Assert.Equal(cbc ? 16 : 1, sk.BlockSize);
        byte[] aad = Hex.Parse("0001020304050607 08090a0b0c0d0e0f 2e202300 00000001 00000000 23000000");
        for (int length = 0; length <= 40; length++)
        {
            byte[] plain = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
            byte[] iv = Enumerable.Range(0, sk.IvSize).Select(i => (byte)(i + length)).ToArray();
            var body = new byte[sk.GetProtectedLength(length)];
            Assert.Equal(0, (body.Length - sk.IvSize - sk.IcvSize) % sk.BlockSize);
            sk.Protect(aad, plain, iv, body);
            Assert.Equal(iv, body[..sk.IvSize]);
            Assert.True(sk.TryUnprotect(aad, body, out byte[] opened));
            Assert.Equal(plain, opened);
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void AnySingleBitFlip_IsRejected(EncryptionAlgorithm enc, int bits, IntegrityAlgorithm integ)
    {
        using var sk = Make(enc, bits, integ);
        byte[] aad = Hex.Parse("0001020304050607 08090a0b0c0d0e0f 2e202300 00000001 00000000 23000000");
        byte[] plain = "IDi|AUTH|SA|TSi|TSr"u8.ToArray();
        var body = new byte[sk.GetProtectedLength(plain.Length)];
        sk.Protect(aad, plain, new byte[sk.IvSize], body);
        for (int bit = 0; bit < body.Length * 8; bit++)
        {
            byte[] copy = (byte[])body.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(sk.TryUnprotect(aad, copy, out _), $"bit {bit} flipped in the body was accepted");
        }
        for (int bit = 0; bit < aad.Length * 8; bit++)
        {
            byte[] copy = (byte[])aad.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(sk.TryUnprotect(copy, body, out _), $"bit {bit} flipped in the header was accepted");
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void TruncatedOrMisaligned_IsRejected_WithoutThrowing(EncryptionAlgorithm enc, int bits, IntegrityAlgorithm integ)
    {
        using var sk = Make(enc, bits, integ);
        var body = new byte[sk.GetProtectedLength(20)];
        sk.Protect([], new byte[20], new byte[sk.IvSize], body);
        for (int cut = 0; cut < body.Length; cut++)
            Assert.False(sk.TryUnprotect([], body.AsSpan(0, cut), out _));
        Assert.False(sk.TryUnprotect([], [.. body, 0], out _));
    }

    // A correctly authenticated body whose pad length points before the start must be refused, not sliced.
    [Fact]
    public void PadLengthBeyondData_IsRejected()
    {
        using var sk = Make(EncryptionAlgorithm.ChaCha20Poly1305, 256, IntegrityAlgorithm.None);
        byte[] keyAndSalt = Enumerable.Range(1, 36).Select(i => (byte)i).ToArray();
        // Encrypt "0x05" directly: one byte that claims 5 bytes of padding.
        using var raw = new ChaCha20Poly1305(keyAndSalt[..32]);
        byte[] nonce = [.. keyAndSalt[32..], .. new byte[8]];
        var cipher = new byte[1];
        var tag = new byte[16];
        raw.Encrypt(nonce, (byte[])[0x05], cipher, tag, (byte[])[]);
        Assert.False(sk.TryUnprotect([], [.. new byte[8], .. cipher, .. tag], out _));
    }

    [Fact]
    public void Create_RejectsInconsistentParameters()
    {
        Assert.Throws<ArgumentException>(() => SkProtection.Create(EncryptionAlgorithm.AesGcm16, 256, IntegrityAlgorithm.HmacSha256_128, new byte[36], new byte[32]));
        Assert.Throws<ArgumentException>(() => SkProtection.Create(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.None, new byte[16], []));
        Assert.Throws<ArgumentException>(() => SkProtection.Create(EncryptionAlgorithm.AesGcm16, 256, IntegrityAlgorithm.None, new byte[32], []));
        Assert.Throws<ArgumentException>(() => SkProtection.Create(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha256_128, new byte[16], new byte[16]));
        Assert.Throws<ArgumentException>(() => SkProtection.Create(EncryptionAlgorithm.ChaCha20Poly1305, 128, IntegrityAlgorithm.None, new byte[20], []));
        Assert.Throws<ArgumentException>(() => SkProtection.Create((EncryptionAlgorithm)3, 192, IntegrityAlgorithm.HmacSha256_128, new byte[24], new byte[32]));
    }

    [Fact]
    public void Protect_ChecksIvAndDestinationSizes()
    {
        using var sk = Make(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha256_128);
        Assert.Throws<ArgumentException>(() => sk.Protect([], new byte[3], new byte[8], new byte[sk.GetProtectedLength(3)]));
        Assert.Throws<ArgumentException>(() => sk.Protect([], new byte[3], new byte[16], new byte[sk.GetProtectedLength(3) + 1]));
    }
}
