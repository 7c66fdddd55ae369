using Appliance.Ike.Crypto;

namespace Appliance.Ike.Tests.Crypto;

// Keywords and defaults follow strongSwan 5.9.8 as observed: each "accepted"/"refused" case below was loaded into
// a charon with swanctl, and the transforms it offered were read from a capture of its IKE_SA_INIT.
public class ProposalParserTests
{
    [Fact]
    public void Ike_AeadWithExplicitPrf()
    {
        ProposalSpec s = ProposalParser.ParseIke("aes256gcm16-prfsha384-ecp384");
        Assert.Equal([(EncryptionAlgorithm.AesGcm16, 256)], s.Encryption);
        Assert.Equal([PrfAlgorithm.HmacSha384], s.Prf);
        Assert.Empty(s.Integrity);
        Assert.Equal([DhGroup.Ecp384], s.Dh);
        Assert.Empty(s.Esn);
    }

    [Fact]
    public void Ike_Classic_TakesPrfFromIntegrity()
    {
        ProposalSpec s = ProposalParser.ParseIke("aes128-sha256-modp2048");
        Assert.Equal([(EncryptionAlgorithm.AesCbc, 128)], s.Encryption);
        Assert.Equal([IntegrityAlgorithm.HmacSha256_128], s.Integrity);
        Assert.Equal([PrfAlgorithm.HmacSha256], s.Prf);
        Assert.Equal([DhGroup.Modp2048], s.Dh);

        ProposalSpec multi = ProposalParser.ParseIke("aes256-aes128-sha512-sha384-curve25519-ecp256");
        Assert.Equal([(EncryptionAlgorithm.AesCbc, 256), (EncryptionAlgorithm.AesCbc, 128)], multi.Encryption);
        Assert.Equal([PrfAlgorithm.HmacSha512, PrfAlgorithm.HmacSha384], multi.Prf);
        Assert.Equal([DhGroup.Curve25519, DhGroup.Ecp256], multi.Dh);
    }

    [Fact]
    public void Ike_AeadWithIntegrityKeywords_TurnsThemIntoPrfs()
    {
        // charon offers ENCR_AES_GCM_16(256), PRF_HMAC_SHA2_256, PRF_HMAC_SHA2_512, ECP_256 and no integrity for this.
        ProposalSpec s = ProposalParser.ParseIke("aes256gcm16-sha256-sha512-ecp256");
        Assert.Equal([(EncryptionAlgorithm.AesGcm16, 256)], s.Encryption);
        Assert.Equal([PrfAlgorithm.HmacSha256, PrfAlgorithm.HmacSha512], s.Prf);
        Assert.Empty(s.Integrity);

        ProposalSpec explicitPrf = ProposalParser.ParseIke("aes256gcm16-sha256-prfsha384-ecp256");
        Assert.Equal([PrfAlgorithm.HmacSha384], explicitPrf.Prf);
        Assert.Empty(explicitPrf.Integrity);
    }

    [Fact]
    public void Ike_BareGcmNames_MeanSixteenOctetIcv()
    {
        // charon sends ENCR_AES_GCM_16 with Key Length 128 and 256 for "aes128gcm-aes256gcm".
        ProposalSpec s = ProposalParser.ParseIke("aes128gcm-aes256gcm-prfsha384-x25519");
        Assert.Equal([(EncryptionAlgorithm.AesGcm16, 128), (EncryptionAlgorithm.AesGcm16, 256)], s.Encryption);
        Assert.Equal([PrfAlgorithm.HmacSha384], s.Prf);
        Assert.Equal([DhGroup.Curve25519], s.Dh);
    }

    [Theory]
    [InlineData("aes256gcm16", EncryptionAlgorithm.AesGcm16, 256, IntegrityAlgorithm.None)]
    [InlineData("aes128gcm16", EncryptionAlgorithm.AesGcm16, 128, IntegrityAlgorithm.None)]
    [InlineData("aes128gcm128", EncryptionAlgorithm.AesGcm16, 128, IntegrityAlgorithm.None)]
    [InlineData("chacha20poly1305", EncryptionAlgorithm.ChaCha20Poly1305, 256, IntegrityAlgorithm.None)]
    [InlineData("aes128-sha256", EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha256_128)]
    [InlineData("aes256-sha384", EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.HmacSha384_192)]
    [InlineData("aes256-sha512", EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.HmacSha512_256)]
    [InlineData("aes-sha2_256", EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha256_128)]
    [InlineData("aes128gcm", EncryptionAlgorithm.AesGcm16, 128, IntegrityAlgorithm.None)]
    [InlineData("aes256gcm16-sha256", EncryptionAlgorithm.AesGcm16, 256, IntegrityAlgorithm.None)] // charon ignores the sha256
    [InlineData("aes128-sha256-prfsha256", EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha256_128)] // and the prf
    public void Esp_Suites(string text, EncryptionAlgorithm enc, int bits, IntegrityAlgorithm integ)
    {
        ProposalSpec s = ProposalParser.ParseEsp(text);
        Assert.Equal([(enc, bits)], s.Encryption);
        Assert.Equal(integ == IntegrityAlgorithm.None ? [] : [integ], s.Integrity);
        Assert.Empty(s.Prf);
        Assert.Empty(s.Dh);
        Assert.Equal([EsnMode.NoEsn], s.Esn);
    }

    [Fact]
    public void Esp_PfsGroupAndEsn()
    {
        ProposalSpec s = ProposalParser.ParseEsp("aes256gcm16-ecp256-esn-noesn");
        Assert.Equal([DhGroup.Ecp256], s.Dh);
        Assert.Equal([EsnMode.Esn, EsnMode.NoEsn], s.Esn);
        Assert.Equal([EsnMode.Esn], ProposalParser.ParseEsp(" AES128-SHA256-ESN ").Esn);
    }

    [Fact]
    public void Ah_IntegrityOnly()
    {
        ProposalSpec s = ProposalParser.ParseAh("sha256-sha512");
        Assert.Empty(s.Encryption);
        Assert.Equal([IntegrityAlgorithm.HmacSha256_128, IntegrityAlgorithm.HmacSha512_256], s.Integrity);
        Assert.Throws<FormatException>(() => ProposalParser.ParseAh("aes128-sha256"));
    }

    [Theory]
    [InlineData("aes256gcm16-prfsha256-curve448", "unknown algorithm 'curve448' in proposal 'aes256gcm16-prfsha256-curve448'")]
    [InlineData("3des-sha1-modp1024", "unknown algorithm '3des' in proposal '3des-sha1-modp1024'")]
    [InlineData("aes128gcm8-prfsha256-ecp256", "unknown algorithm 'aes128gcm8'")]
    [InlineData("aes128-sha256", "no key exchange method")]
    [InlineData("aes128-modp2048", "no integrity algorithm")]
    [InlineData("aes256gcm16-ecp256", "with an AEAD cipher needs a PRF")]
    [InlineData("chacha20poly1305-x25519", "with an AEAD cipher needs a PRF")]
    [InlineData("aes256gcm16-aes128-sha256-ecp256", "mixes AEAD and classic")]
    [InlineData("sha256-prfsha256-ecp256", "no encryption algorithm")]
    [InlineData("aes128--sha256-ecp256", "empty algorithm")]
    [InlineData("aes128-aes128-sha256-ecp256", "appears twice")]
    [InlineData("aes128-sha256-ecp256,aes256-sha256-ecp256", "contains ','")]
    [InlineData("aes128-sha256-ecp256-esn", "ESP/AH only")]
    [InlineData("", "empty proposal")]
    public void Ike_Errors_NameTheProblem(string text, string expectedFragment)
    {
        var ex = Assert.Throws<FormatException>(() => ProposalParser.ParseIke(text));
        Assert.Contains(expectedFragment, ex.Message);
    }

    [Theory]
    [InlineData("aes256gcm16-aes128-sha256", "mixes AEAD and classic")]
    [InlineData("sha256", "no encryption algorithm")]
    [InlineData("aes128", "no integrity algorithm")]
    [InlineData("blowfish128-sha256", "unknown algorithm 'blowfish128'")]
    public void Esp_Errors_NameTheProblem(string text, string expectedFragment)
    {
        var ex = Assert.Throws<FormatException>(() => ProposalParser.ParseEsp(text));
        Assert.Contains(expectedFragment, ex.Message);
    }

    // Names as `swanctl --list-sas` prints them (strongSwan 5.9): encr/integ/prf/ke[/ESN].
    [Fact]
    public void Format_UsesStrongSwanNames()
    {
        Assert.Equal("AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519",
            ProposalParser.Format(new TransformSet(EncryptionAlgorithm.AesGcm16, 256, PrfAlgorithm.HmacSha256, IntegrityAlgorithm.None, DhGroup.Curve25519, [])));
        Assert.Equal("AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
            ProposalParser.Format(new TransformSet(EncryptionAlgorithm.AesCbc, 128, PrfAlgorithm.HmacSha256, IntegrityAlgorithm.HmacSha256_128, DhGroup.Modp2048, [])));
        Assert.Equal("AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384",
            ProposalParser.Format(new TransformSet(EncryptionAlgorithm.AesGcm16, 256, PrfAlgorithm.HmacSha384, IntegrityAlgorithm.None, DhGroup.Ecp384, [])));
        Assert.Equal("CHACHA20_POLY1305",
            ProposalParser.Format(new TransformSet(EncryptionAlgorithm.ChaCha20Poly1305, 256, null, IntegrityAlgorithm.None, DhGroup.None, [EsnMode.NoEsn])));
        Assert.Equal("AES_CBC-256/HMAC_SHA2_512_256/ECP_521/ESN",
            ProposalParser.Format(new TransformSet(EncryptionAlgorithm.AesCbc, 256, null, IntegrityAlgorithm.HmacSha512_256, DhGroup.Ecp521, [EsnMode.Esn])));
    }

    [Fact]
    public void Registry_MatchesIanaNumbers()
    {
        // IANA "IKEv2 Parameters": Transform Type 1/2/3/4 IDs.
        Assert.Equal(12, (int)EncryptionAlgorithm.AesCbc);
        Assert.Equal(20, (int)EncryptionAlgorithm.AesGcm16);
        Assert.Equal(28, (int)EncryptionAlgorithm.ChaCha20Poly1305);
        Assert.Equal(5, (int)PrfAlgorithm.HmacSha256);
        Assert.Equal(7, (int)PrfAlgorithm.HmacSha512);
        Assert.Equal(12, (int)IntegrityAlgorithm.HmacSha256_128);
        Assert.Equal(14, (int)IntegrityAlgorithm.HmacSha512_256);
        Assert.Equal(14, (int)DhGroup.Modp2048);
        Assert.Equal(31, (int)DhGroup.Curve25519);
        Assert.Equal(20, TransformRegistry.EncryptionKeyBytes(EncryptionAlgorithm.AesGcm16, 128));
        Assert.Equal(36, TransformRegistry.EncryptionKeyBytes(EncryptionAlgorithm.ChaCha20Poly1305, 256));
        Assert.Equal(24, TransformRegistry.EncryptionKeyBytes(EncryptionAlgorithm.AesCbc, 192));
    }
}
