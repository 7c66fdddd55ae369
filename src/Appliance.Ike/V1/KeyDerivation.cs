using System.Buffers.Binary;

namespace Appliance.Ike.V1;

/// <summary>Phase 1 keying material of one ISAKMP SA (RFC 2409 §5). Never logged.</summary>
internal sealed class Phase1Keys
{
    public required byte[] SkeyId;
    public required byte[] SkeyIdD;
    public required byte[] SkeyIdA;
    public required byte[] SkeyIdE;
    /// <summary>The cipher key from SKEYID_e (Appendix B).</summary>
    public required byte[] EncryptionKey;
}

/// <summary>The RFC 2409 computations, each a pure function so the test vectors check them one by one.</summary>
internal static class V1KeyDerivation
{
    /// <summary>§5: for pre-shared keys SKEYID = prf(pre-shared-key, Ni_b | Nr_b).</summary>
    public static byte[] SkeyIdPsk(V1Hash hash, ReadOnlySpan<byte> psk, byte[] ni, byte[] nr) => hash.Prf(psk, V1Hash.Concat(ni, nr));

    /// <summary>§5: SKEYID_d, SKEYID_a, SKEYID_e from g^xy and the cookies; then the cipher key (Appendix B).</summary>
    public static Phase1Keys Derive(V1Hash hash, byte[] skeyId, byte[] gxy, byte[] ckyI, byte[] ckyR, int keyBytes)
    {
        byte[] d = hash.PrfOf(skeyId, gxy, ckyI, ckyR, [0]);
        byte[] a = hash.PrfOf(skeyId, d, gxy, ckyI, ckyR, [1]);
        byte[] e = hash.PrfOf(skeyId, a, gxy, ckyI, ckyR, [2]);
        return new Phase1Keys { SkeyId = skeyId, SkeyIdD = d, SkeyIdA = a, SkeyIdE = e, EncryptionKey = ExpandKey(hash, e, keyBytes) };
    }

    /// <summary>
    /// Appendix B: the first bits of SKEYID_e when it is long enough; else Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0)
    /// (one zero octet), Kn = prf(SKEYID_e, Kn-1), truncated.
    /// </summary>
    public static byte[] ExpandKey(V1Hash hash, byte[] skeyIdE, int keyBytes)
    {
        if (skeyIdE.Length >= keyBytes)
            return skeyIdE.AsSpan(0, keyBytes).ToArray();
        var output = new byte[keyBytes];
        byte[] k = hash.Prf(skeyIdE, [0]);
        int offset = 0;
        while (true)
        {
            int n = Math.Min(k.Length, keyBytes - offset);
            k.AsSpan(0, n).CopyTo(output.AsSpan(offset));
            offset += n;
            if (offset == keyBytes)
                return output;
            k = hash.Prf(skeyIdE, k);
        }
    }

    /// <summary>Appendix B: the phase 1 IV is hash(g^xi | g^xr), truncated to the cipher's block.</summary>
    public static byte[] Phase1Iv(V1Hash hash, byte[] gxi, byte[] gxr, int blockSize) => hash.Hash(V1Hash.Concat(gxi, gxr)).AsSpan(0, blockSize).ToArray();

    /// <summary>Appendix B: a phase 2 (Quick Mode or Informational) IV is hash(last phase 1 CBC block | M-ID), truncated.</summary>
    public static byte[] Phase2Iv(V1Hash hash, byte[] lastPhase1Block, uint messageId, int blockSize) =>
        hash.Hash(V1Hash.Concat(lastPhase1Block, MessageIdBytes(messageId))).AsSpan(0, blockSize).ToArray();

    /// <summary>§5: HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b).</summary>
    public static byte[] HashI(V1Hash hash, byte[] skeyId, byte[] gxi, byte[] gxr, byte[] ckyI, byte[] ckyR, byte[] saiB, byte[] idiiB) =>
        hash.PrfOf(skeyId, gxi, gxr, ckyI, ckyR, saiB, idiiB);

    /// <summary>§5: HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b).</summary>
    public static byte[] HashR(V1Hash hash, byte[] skeyId, byte[] gxi, byte[] gxr, byte[] ckyI, byte[] ckyR, byte[] saiB, byte[] idirB) =>
        hash.PrfOf(skeyId, gxr, gxi, ckyR, ckyI, saiB, idirB);

    /// <summary>
    /// §5.5: KEYMAT = K1 | K2 | ..., K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
    /// Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b). The SPI is the receiving side's.
    /// </summary>
    public static byte[] Keymat(V1Hash hash, byte[] skeyIdD, byte[]? gxyQm, byte protocol, uint spi, byte[] ni, byte[] nr, int length)
    {
        var spiBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(spiBytes, spi);
        byte[] seed = V1Hash.Concat(gxyQm ?? [], [protocol], spiBytes, ni, nr);
        var output = new byte[length];
        byte[] k = hash.Prf(skeyIdD, seed);
        int offset = 0;
        while (true)
        {
            int n = Math.Min(k.Length, length - offset);
            k.AsSpan(0, n).CopyTo(output.AsSpan(offset));
            offset += n;
            if (offset == length)
                return output;
            k = hash.PrfOf(skeyIdD, k, seed);
        }
    }

    /// <summary>§5.5 HASH(1)/HASH(2) and §5.7 Informational HASH(1): prf(SKEYID_a, M-ID | [Ni_b |] payloads after HASH).</summary>
    public static byte[] MessageHash(V1Hash hash, byte[] skeyIdA, uint messageId, byte[]? niB, ReadOnlySpan<byte> rest) =>
        hash.Prf(skeyIdA, V1Hash.Concat(MessageIdBytes(messageId), niB ?? [], rest.ToArray()));

    /// <summary>§5.5 HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b).</summary>
    public static byte[] QuickModeHash3(V1Hash hash, byte[] skeyIdA, uint messageId, byte[] ni, byte[] nr) =>
        hash.PrfOf(skeyIdA, [0], MessageIdBytes(messageId), ni, nr);

    public static byte[] MessageIdBytes(uint messageId)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, messageId);
        return b;
    }
}
