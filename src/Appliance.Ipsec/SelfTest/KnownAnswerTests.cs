using System.Security.Cryptography;
using Appliance.Ipsec.Ah;
using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Esp;

namespace Appliance.Ipsec.SelfTest;

/// <summary>
/// Power-on self-test of the transforms, in the spirit of a FIPS 140 known-answer test: each suite
/// seals a published packet byte for byte and opens it back, on every backend this CPU supports.
/// A backend the CPU lacks (NSec AES-256-GCM without AES-NI, e.g. on a Raspberry Pi) is reported as
/// skipped, not failed, because the SA factory never selects it there. AOT-safe: no reflection.
/// </summary>
public static class KnownAnswerTests
{
    /// <summary>Runs every known-answer test; a test that throws counts as failed.</summary>
    public static IReadOnlyList<(string Name, bool Passed)> Run()
    {
        var results = new List<(string, bool)>();
        foreach (EspVector vector in KnownAnswerVectors.Esp)
        {
            foreach (CryptoBackend backend in new[] { CryptoBackend.NSec, CryptoBackend.DotNet })
            {
                if (vector.Backends is { } only && !only.Contains(backend))
                    continue;
                string name = $"ESP {vector.Name} [{backend}]";
                if (!EspCipherFactory.IsSupported(vector.Suite, backend))
                {
                    results.Add(($"{name}: backend lacks this suite on this CPU, skipped", true));
                    continue;
                }
                results.Add((name, Guard(() => RunEsp(vector, backend))));
            }
        }
        foreach (CipherVector vector in KnownAnswerVectors.AesCbc)
            results.Add((vector.Name, Guard(() => RunAesCbc(vector))));
        foreach (HmacVector vector in KnownAnswerVectors.Hmac)
            results.Add((vector.Name, Guard(() => RunHmac(vector))));
        foreach (AhVector vector in KnownAnswerVectors.Ah)
            results.Add((vector.Name, Guard(() => RunAh(vector))));
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

    internal static bool RunEsp(EspVector v, CryptoBackend backend)
    {
        byte[] payload = Convert.FromHexString(v.Payload);
        byte[] expected = Convert.FromHexString(v.Packet);
        byte[] iv = Convert.FromHexString(v.Iv);
        var counters = new IpsecCounters();
        EspSaParameters Parameters(SaDirection direction) => new()
        {
            Spi = v.Spi, Direction = direction, Mode = v.Mode, Suite = v.Suite, EncryptionKey = Convert.FromHexString(v.EncryptionKey),
            IntegrityKey = Convert.FromHexString(v.IntegrityKey), ExtendedSequenceNumbers = v.Esn, Backend = backend, GlobalCounters = counters,
        };

        using EspSa outbound = EspSa.Create(Parameters(SaDirection.Outbound));
        byte[] buffer = new byte[64 + payload.Length + 64];
        payload.CopyTo(buffer, 64);
        if (outbound.SealWithIv(v.Sequence, iv, buffer, 64, payload.Length, v.NextHeader, out int offset, out int length) != DropReason.None
            || !buffer.AsSpan(offset, length).SequenceEqual(expected))
            return false;

        byte[] packet = (byte[])expected.Clone();
        if (v.Esn)
        {
            // A fresh window cannot place a number beyond 2^32; check the cipher with the stated high half.
            using EspCipher cipher = EspCipherFactory.Create(v.Suite, Convert.FromHexString(v.EncryptionKey), Convert.FromHexString(v.IntegrityKey), backend);
            return cipher.Open(packet, true, (uint)(v.Sequence >> 32))
                && packet.AsSpan(outbound.HeaderLength, payload.Length).SequenceEqual(payload);
        }
        using EspSa inbound = EspSa.Create(Parameters(SaDirection.Inbound));
        return inbound.Open(packet, out EspOpenResult opened) == DropReason.None
            && opened.NextHeader == v.NextHeader
            && packet.AsSpan(opened.PayloadOffset, opened.PayloadLength).SequenceEqual(payload);
    }

    private static bool RunAesCbc(CipherVector v)
    {
        using Aes aes = Aes.Create();
        aes.Key = Convert.FromHexString(v.Key);
        byte[] text = Convert.FromHexString(v.Plaintext);
        byte[] iv = Convert.FromHexString(v.Iv);
        aes.EncryptCbc(text, iv, text, PaddingMode.None);
        if (!text.AsSpan().SequenceEqual(Convert.FromHexString(v.Ciphertext)))
            return false;
        aes.DecryptCbc(text, iv, text, PaddingMode.None);
        return text.AsSpan().SequenceEqual(Convert.FromHexString(v.Plaintext));
    }

    private static bool RunHmac(HmacVector v)
    {
        Span<byte> output = stackalloc byte[Hmac.MaxOutputLength];
        Hmac.Compute(v.Algorithm, Convert.FromHexString(v.Key), Convert.FromHexString(v.Data), output);
        return output[..Hmac.IcvLength(v.Algorithm)].SequenceEqual(Convert.FromHexString(v.Icv));
    }

    private static bool RunAh(AhVector v)
    {
        byte[] packet = Convert.FromHexString(v.Packet);
        byte[] expected = Convert.FromHexString(v.Protected);
        var counters = new IpsecCounters();
        AhSaParameters Parameters(SaDirection direction) => new()
        {
            Spi = v.Spi, Direction = direction, Mode = IpsecMode.Transport, Integrity = v.Algorithm,
            IntegrityKey = Convert.FromHexString(v.Key), InitialSequenceNumber = direction == SaDirection.Outbound ? v.Sequence - 1 : 0,
            GlobalCounters = counters,
        };
        using AhSa outbound = AhSa.Create(Parameters(SaDirection.Outbound));
        byte[] buffer = new byte[64 + packet.Length];
        packet.CopyTo(buffer, 64);
        if (outbound.Seal(buffer, 64, packet.Length, out int offset, out int length) != DropReason.None
            || !buffer.AsSpan(offset, length).SequenceEqual(expected))
            return false;
        using AhSa inbound = AhSa.Create(Parameters(SaDirection.Inbound));
        byte[] received = (byte[])expected.Clone();
        return inbound.Open(received, 0, received.Length, out AhOpenResult opened) == DropReason.None
            && received.AsSpan(opened.Offset, opened.Length).SequenceEqual(packet);
    }
}
