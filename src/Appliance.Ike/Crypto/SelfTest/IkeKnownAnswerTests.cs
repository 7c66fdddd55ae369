using System.Security.Cryptography;
using V = Appliance.Ike.Crypto.SelfTest.IkeKnownAnswerVectors;

namespace Appliance.Ike.Crypto.SelfTest;

/// <summary>
/// Power-on self-test of the IKE crypto inside the shipped binary (e.g. the arm64 build under qemu): every DH
/// group, PRF, the IKEv2 KDF and every SK cipher against published vectors, so a missing libsodium/OpenSSL or a
/// miscompiled AOT build is caught before a tunnel is attempted. AOT-safe: no reflection.
/// </summary>
public static class IkeKnownAnswerTests
{
    /// <summary>Runs every IKE known-answer test; a test that throws counts as failed.</summary>
    public static IReadOnlyList<(string Name, bool Passed)> Run()
    {
        var results = new List<(string, bool)>();
        foreach (V.KeyExchangeVector v in V.KeyExchanges)
            results.Add(($"IKE DH {v.Name}", Guard(() => RunKeyExchange(v))));
        results.Add(("IKE DH MODP-2048 (RFC 3526 §3) 2^2 mod p and agreement", Guard(RunModp)));
        foreach (V.PrfVector v in V.Prfs)
            results.Add(($"IKE PRF {v.Name}", Guard(() => Hex(new Prf(v.Alg).Compute(Enumerable.Repeat((byte)0x0b, 20).ToArray(), "Hi There"u8)) == v.Expected)));
        results.Add(("IKE KDF NIST SP 800-135 sample: SKEYSEED, prf+ SK_d, rekey SKEYSEED", Guard(RunKdf)));
        results.Add(("IKE SK ChaCha20-Poly1305 RFC 7634 Appendix B", Guard(RunChaCha)));
        results.Add(("IKE SK AES-GCM-16 GCM spec test case 4", Guard(RunGcm)));
        results.Add(("IKE SK AES-CBC + HMAC-SHA2 round trip and tamper check", Guard(RunCbc)));
        results.Add(("IKEv1 RFC 2409 SKEYID, key expansion, KEYMAT (vectors of an independent implementation)", Guard(RunIkeV1Kdf)));
        results.Add(("IKEv1 phase 1 3DES-CBC (OpenSSL enc vector)", Guard(RunIkeV1TripleDes)));
        return results;
    }

    private static bool Guard(Func<bool> test)
    {
        try
        {
            return test();
        }
        catch (Exception)
        {
            return false; // a crash in a KAT is a failed KAT, never a crashed host
        }
    }

    private static string Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(data);

    private sealed class Fixed(byte[] value) : IIkeRandomBytes
    {
        public void Fill(Span<byte> buffer)
        {
            if (buffer.Length != value.Length)
                throw new CryptographicException("unexpected private value size");
            value.CopyTo(buffer);
        }
    }

    private static bool RunKeyExchange(V.KeyExchangeVector v)
    {
        using var i = KeyExchange.Create(v.Group, new Fixed(Convert.FromHexString(v.I)));
        using var r = KeyExchange.Create(v.Group, new Fixed(Convert.FromHexString(v.R)));
        return Hex(i.PublicValue.Span) == v.Gi && Hex(r.PublicValue.Span) == v.Gr
            && i.TryComputeSharedSecret(Convert.FromHexString(v.Gr), out byte[] s1) && Hex(s1) == v.Gir
            && r.TryComputeSharedSecret(Convert.FromHexString(v.Gi), out byte[] s2) && Hex(s2) == v.Gir;
    }

    private static bool RunModp()
    {
        var two = new byte[ModpKeyExchange.ExponentBytes];
        two[^1] = 2;
        using var a = KeyExchange.Create(DhGroup.Modp2048, new Fixed(two));
        ReadOnlySpan<byte> pub = a.PublicValue.Span;
        bool four = pub.Length == 256 && pub[^1] == 4 && pub[..^1].IndexOfAnyExcept((byte)0) < 0;
        using var b = KeyExchange.Create(DhGroup.Modp2048);
        return four && a.TryComputeSharedSecret(b.PublicValue.Span, out byte[] s1)
            && b.TryComputeSharedSecret(a.PublicValue.Span, out byte[] s2) && s1.AsSpan().SequenceEqual(s2);
    }

    private static bool RunKdf()
    {
        var prf = new Prf(PrfAlgorithm.HmacSha256);
        byte[] ni = Convert.FromHexString(V.KdfNi), nr = Convert.FromHexString(V.KdfNr);
        byte[] skeyseed = KeyDerivation.Skeyseed(prf, ni, nr, Convert.FromHexString(V.KdfGir));
        IkeSaKeys keys = KeyDerivation.DeriveIkeSaKeys(prf, skeyseed, ni, nr, V.KdfSpiI, V.KdfSpiR, 36, 0);
        byte[] rekey = KeyDerivation.RekeySkeyseed(prf, keys.SkD, Convert.FromHexString(V.KdfGirNew), ni, nr);
        return Hex(skeyseed) == V.KdfSkeyseed && Hex(keys.SkD) == V.KdfSkD && Hex(rekey) == V.KdfRekeySkeyseed;
    }

    private static bool RunChaCha()
    {
        using var sk = SkProtection.Create(EncryptionAlgorithm.ChaCha20Poly1305, 256, IntegrityAlgorithm.None, Convert.FromHexString(V.ChaChaKeySalt), []);
        byte[] aad = Convert.FromHexString(V.ChaChaAssociated), plain = Convert.FromHexString(V.ChaChaPlaintext);
        var body = new byte[sk.GetProtectedLength(plain.Length)];
        sk.Protect(aad, plain, Convert.FromHexString(V.ChaChaIv), body);
        return Hex(body) == V.ChaChaBody && sk.TryUnprotect(aad, body, out byte[] opened) && opened.AsSpan().SequenceEqual(plain);
    }

    private static bool RunGcm()
    {
        using var sk = SkProtection.Create(EncryptionAlgorithm.AesGcm16, 128, IntegrityAlgorithm.None, Convert.FromHexString(V.GcmKeySalt), []);
        byte[] body = Convert.FromHexString(V.GcmBody);
        bool ok = sk.TryUnprotect(Convert.FromHexString(V.GcmAssociated), body, out byte[] plain) && Hex(plain) == V.GcmPlaintext;
        body[^1] ^= 1;
        return ok && !sk.TryUnprotect(Convert.FromHexString(V.GcmAssociated), body, out _);
    }

    private static bool RunCbc()
    {
        foreach (IntegrityAlgorithm integ in new[] { IntegrityAlgorithm.HmacSha256_128, IntegrityAlgorithm.HmacSha384_192, IntegrityAlgorithm.HmacSha512_256 })
        {
            using var sk = SkProtection.Create(EncryptionAlgorithm.AesCbc, 256, integ, new byte[32], new byte[TransformRegistry.IntegrityKeyBytes(integ)]);
            byte[] aad = new byte[32], plain = new byte[37];
            var body = new byte[sk.GetProtectedLength(plain.Length)];
            sk.Protect(aad, plain, new byte[16], body);
            if (!sk.TryUnprotect(aad, body, out byte[] opened) || opened.Length != plain.Length)
                return false;
            body[20] ^= 1;
            if (sk.TryUnprotect(aad, body, out _))
                return false;
        }
        return true;
    }

    // tests/Appliance.Ike.Tests/V1/vectors/ikev1_vectors.py, case "3des-sha1": inputs are the pattern (seed + 7 i) mod 256.
    private static byte[] Pattern(int n, int seed)
    {
        var b = new byte[n];
        for (int i = 0; i < n; i++)
            b[i] = (byte)(seed + 7 * i);
        return b;
    }

    private static bool RunIkeV1Kdf()
    {
        var hash = new V1.V1Hash(2);
        byte[] skeyId = V1.V1KeyDerivation.SkeyIdPsk(hash, "correct horse battery staple"u8, Pattern(32, 1), Pattern(32, 2));
        V1.Phase1Keys keys = V1.V1KeyDerivation.Derive(hash, skeyId, Pattern(128, 7), Pattern(8, 3), Pattern(8, 4), 24);
        byte[] keymat = V1.V1KeyDerivation.Keymat(hash, keys.SkeyIdD, null, 3, 0xC0FFEE01, Pattern(16, 10), Pattern(24, 11), 64);
        return Hex(keys.EncryptionKey) == "a24720a35ed4cb81e596d055df2bc285be744a7fbe2ed18d"
            && Hex(V1.V1KeyDerivation.Phase1Iv(hash, Pattern(128, 5), Pattern(128, 6), 8)) == "22cf24588b2a3c02"
            && Hex(keymat) == "3a82d72301fc19ac313febae412e87f3eaa051287b615d86ede3a0d96aeb24001978c828d2cddf7fd09b6eac76a4d3847cac47670f1408222df6cb548b3ed057";
    }

    private static bool RunIkeV1TripleDes()
    {
        var cipher = new V1.V1Cipher(5, 192);
        byte[] key = Convert.FromHexString("a24720a35ed4cb81e596d055df2bc285be744a7fbe2ed18d");
        byte[] iv = Convert.FromHexString("22cf24588b2a3c02");
        byte[] plain = Convert.FromHexString("0123456789abcdef0123456789abcdef");
        byte[] enc = cipher.Encrypt(key, iv, plain);
        return Hex(enc) == "3cc6085b88c2183516be28991244ae7f" && cipher.Decrypt(key, iv, enc).AsSpan().SequenceEqual(plain);
    }
}
