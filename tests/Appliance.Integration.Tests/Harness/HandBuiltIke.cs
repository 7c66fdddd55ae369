using System.Buffers.Binary;

namespace Appliance.Integration.Tests.Harness;

/// <summary>
/// IKEv2 messages written byte by byte from RFC 7296 §3, without the box's codec: what a flood tool replays.
/// </summary>
public static class HandBuiltIke
{
    /// <summary>
    /// An IKE_SA_INIT request offering AES-GCM-16-256, PRF-HMAC-SHA256 and X25519 (aes256gcm16-prfsha256-curve25519)
    /// with a random 32-byte public value and nonce. <paramref name="spiI"/> makes each request a new IKE SA.
    /// </summary>
    public static byte[] InitRequest(ulong spiI, Random random)
    {
        // SA payload: one proposal (§3.3.1) with three transforms (§3.3.2); the key length attribute is TV (§3.3.5).
        byte[] encr = [3, 0, 0, 12, 1, 0, 0, 20, 0x80, 0x0E, 0x01, 0x00]; // ENCR_AES_GCM_16, KeyLength 256
        byte[] prf = [3, 0, 0, 8, 2, 0, 0, 5];                             // PRF_HMAC_SHA2_256
        byte[] dh = [0, 0, 0, 8, 4, 0, 0, 31];                              // Curve25519, last transform
        int proposalLength = 8 + encr.Length + prf.Length + dh.Length;
        int saLength = 4 + proposalLength, keLength = 8 + 32, nonceLength = 4 + 32;
        int length = 28 + saLength + keLength + nonceLength;
        var m = new byte[length];
        Span<byte> s = m;
        BinaryPrimitives.WriteUInt64BigEndian(s, spiI);
        s[16] = 33;   // next: SA
        s[17] = 0x20; // version 2.0
        s[18] = 34;   // IKE_SA_INIT
        s[19] = 0x08; // Initiator
        BinaryPrimitives.WriteUInt32BigEndian(s[24..], (uint)length);
        int o = 28;
        s[o] = 34; // next: KE
        BinaryPrimitives.WriteUInt16BigEndian(s[(o + 2)..], (ushort)saLength);
        o += 4;
        s[o] = 0; // last proposal
        BinaryPrimitives.WriteUInt16BigEndian(s[(o + 2)..], (ushort)proposalLength);
        s[o + 4] = 1; // proposal 1
        s[o + 5] = 1; // protocol IKE
        s[o + 6] = 0; // SPI size
        s[o + 7] = 3; // transforms
        o += 8;
        encr.CopyTo(s[o..]); o += encr.Length;
        prf.CopyTo(s[o..]); o += prf.Length;
        dh.CopyTo(s[o..]); o += dh.Length;
        s[o] = 40; // next: Nonce
        BinaryPrimitives.WriteUInt16BigEndian(s[(o + 2)..], (ushort)keLength);
        BinaryPrimitives.WriteUInt16BigEndian(s[(o + 4)..], 31);
        random.NextBytes(s.Slice(o + 8, 32));
        o += keLength;
        s[o] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(s[(o + 2)..], (ushort)nonceLength);
        random.NextBytes(s.Slice(o + 4, 32));
        return m;
    }

    /// <summary>
    /// A protected message with one Encrypted Fragment payload (RFC 7383 §2.5) whose body is random: right header,
    /// SPIs and message ID, wrong ICV.
    /// </summary>
    public static byte[] GarbageFragment(ulong spiI, ulong spiR, uint messageId, ushort number, ushort total, int bodyLength, Random random)
    {
        int length = 28 + 8 + bodyLength;
        var m = new byte[length];
        Span<byte> s = m;
        BinaryPrimitives.WriteUInt64BigEndian(s, spiI);
        BinaryPrimitives.WriteUInt64BigEndian(s[8..], spiR);
        s[16] = 53;   // next: SKF
        s[17] = 0x20;
        s[18] = 35;   // IKE_AUTH
        s[19] = 0x08;
        BinaryPrimitives.WriteUInt32BigEndian(s[20..], messageId);
        BinaryPrimitives.WriteUInt32BigEndian(s[24..], (uint)length);
        s[28] = number == 1 ? (byte)35 : (byte)0; // first inner payload (IDi) in fragment 1 only
        BinaryPrimitives.WriteUInt16BigEndian(s[30..], (ushort)(8 + bodyLength));
        BinaryPrimitives.WriteUInt16BigEndian(s[32..], number);
        BinaryPrimitives.WriteUInt16BigEndian(s[34..], total);
        random.NextBytes(s[36..]);
        return m;
    }
}
