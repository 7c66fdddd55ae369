using Appliance.Ike.Crypto;

namespace Appliance.Ike.Tests.Crypto;

/// <summary>Hostile input never throws out of the parse/verify entry points; it is refused with false.</summary>
public class RobustnessTests
{
    [Fact]
    public void RandomBodies_AreRefused_WithoutExceptions()
    {
        var random = new Random(20261127);
        foreach ((EncryptionAlgorithm enc, int bits, IntegrityAlgorithm integ) in new[]
        {
            (EncryptionAlgorithm.AesGcm16, 256, IntegrityAlgorithm.None),
            (EncryptionAlgorithm.ChaCha20Poly1305, 256, IntegrityAlgorithm.None),
            (EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha256_128),
        })
        {
            using var sk = SkProtection.Create(enc, bits, integ, new byte[TransformRegistry.EncryptionKeyBytes(enc, bits)],
                new byte[TransformRegistry.IntegrityKeyBytes(integ)]);
            for (int i = 0; i < 2000; i++)
            {
                var body = new byte[random.Next(0, 200)];
                random.NextBytes(body);
                var aad = new byte[random.Next(0, 64)];
                random.NextBytes(aad);
                Assert.False(sk.TryUnprotect(aad, body, out byte[] plain));
                Assert.Empty(plain);
            }
        }
    }

    [Fact]
    public void RandomPeerValues_AreRefusedOrAgreed_WithoutExceptions()
    {
        var random = new Random(7);
        foreach (DhGroup group in new[] { DhGroup.Modp2048, DhGroup.Ecp256, DhGroup.Ecp384, DhGroup.Ecp521, DhGroup.Curve25519 })
        {
            using var kex = KeyExchange.Create(group);
            int refused = 0;
            for (int i = 0; i < 50; i++)
            {
                // Mostly the right length, so the value checks (not just the length check) are exercised.
                var peer = new byte[i % 5 == 0 ? random.Next(0, 300) : kex.PublicValueLength];
                random.NextBytes(peer);
                if (!kex.TryComputeSharedSecret(peer, out _))
                    refused++;
            }
            // Random ECP coordinates are essentially never on the curve; random MODP/X25519 values are valid.
            if (group is DhGroup.Ecp256 or DhGroup.Ecp384 or DhGroup.Ecp521)
                Assert.Equal(50, refused);
            else
                Assert.True(refused >= 10, $"{group}: wrong-length values must be refused");
        }
    }

    [Fact]
    public void RandomProposalStrings_OnlyThrowFormatException()
    {
        var random = new Random(3);
        string[] parts = ["aes128", "aes256gcm16", "sha256", "prfsha384", "ecp256", "esn", "", "x", "-", "curve25519", "chacha20poly1305", "modp2048", "noesn", "aes192gcm", ","];
        for (int i = 0; i < 3000; i++)
        {
            string text = string.Join('-', Enumerable.Range(0, random.Next(0, 6)).Select(_ => parts[random.Next(parts.Length)]));
            foreach (Func<string, ProposalSpec> parse in new Func<string, ProposalSpec>[] { ProposalParser.ParseIke, ProposalParser.ParseEsp, ProposalParser.ParseAh })
            {
                try
                {
                    ProposalSpec s = parse(text);
                    Assert.True(s.Encryption.Count > 0 || s.Integrity.Count > 0, $"'{text}' parsed to an empty proposal");
                }
                catch (FormatException e)
                {
                    Assert.False(string.IsNullOrWhiteSpace(e.Message));
                }
            }
        }
    }
}
