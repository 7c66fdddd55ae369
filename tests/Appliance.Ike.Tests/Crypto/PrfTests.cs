using System.Text;
using Appliance.Ike.Crypto;

namespace Appliance.Ike.Tests.Crypto;

public class PrfTests
{
    // RFC 4868 §2.7.1, Test Case PRF-1 (the same input as RFC 4231 §4.2, Test Case 1):
    // Key = 0x0b × 20, Data = "Hi There".
    [Theory]
    [InlineData(PrfAlgorithm.HmacSha256, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")]
    [InlineData(PrfAlgorithm.HmacSha384, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6")]
    [InlineData(PrfAlgorithm.HmacSha512, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")]
    public void Rfc4868_Prf1(PrfAlgorithm alg, string expected)
    {
        var prf = new Prf(alg);
        byte[] output = prf.Compute(Enumerable.Repeat((byte)0x0b, 20).ToArray(), "Hi There"u8);
        Assert.Equal(expected, Hex.Of(output));
        Assert.Equal(output.Length, prf.OutputSize);
        Assert.Equal(prf.OutputSize, prf.PreferredKeySize);
    }

    // RFC 4868 §2.7.1, Test Case PRF-2 (RFC 4231 §4.3, Test Case 2): Key = "Jefe".
    [Theory]
    [InlineData(PrfAlgorithm.HmacSha256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData(PrfAlgorithm.HmacSha384, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649")]
    [InlineData(PrfAlgorithm.HmacSha512, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")]
    public void Rfc4868_Prf2(PrfAlgorithm alg, string expected)
    {
        byte[] output = new Prf(alg).Compute(Encoding.ASCII.GetBytes("Jefe"), Encoding.ASCII.GetBytes("what do ya want for nothing?"));
        Assert.Equal(expected, Hex.Of(output));
    }

    // RFC 4868 §2.7.2.1 (AUTH256-1), §2.7.2.2 (AUTH384-1), §2.7.2.3 (AUTH512-1): key of the full hash
    // length filled with 0x0b, Data = "Hi There", ICV = HMAC truncated to half its length.
    [Theory]
    [InlineData(IntegrityAlgorithm.HmacSha256_128, 32, "198a607eb44bfbc69903a0f1cf2bbdc5")]
    [InlineData(IntegrityAlgorithm.HmacSha384_192, 48, "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973")]
    [InlineData(IntegrityAlgorithm.HmacSha512_256, 64, "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8")]
    public void Rfc4868_TruncatedIcv(IntegrityAlgorithm alg, int keyLength, string expected)
    {
        var icv = new byte[TransformRegistry.IntegrityIcvBytes(alg)];
        // Split the data over both parts to prove the ICV covers their concatenation.
        IntegrityMac.Compute(alg, Enumerable.Repeat((byte)0x0b, keyLength).ToArray(), "Hi "u8, "There"u8, icv);
        Assert.Equal(expected, Hex.Of(icv));
        Assert.Equal(keyLength, TransformRegistry.IntegrityKeyBytes(alg));
    }

    // prf+ vectors from the NIST CAVP SP 800-135 IKEv2 sample (as carried in NSS's
    // gtests/common/testvectors/ike-sha256-vectors.h, cases 8-10): K = SKEYSEED, S = Ni | Nr | SPIi | SPIr.
    [Theory]
    [InlineData(132, "0b137d669b0947d7d026d593f0305ad401ff0c471357d695778a9c7f4b4869ece98aca531188d16041b3bb936d2dbb3b4993a6e768a809160de45d0283f273a6cdf6854379e31be72b8d3d1fa990cf9c5b015ca9f918a7df6253c958114a09d4e1c19bdcd4db14b29d98db1a74ad405c588662c14a04d0d36aa4ab55e90f8986d12d4aad")]
    [InlineData(32, "0b137d669b0947d7d026d593f0305ad401ff0c471357d695778a9c7f4b4869ec")]
    [InlineData(15, "0b137d669b0947d7d026d593f0305a")]
    public void PrfPlus_NssNistSample(int length, string expected)
    {
        byte[] key = Hex.Parse("5f00d1bd2c58ec224b1e6b71fa0f19a1faa7a193952c444411b47c1a9d8ba6fe");
        byte[] seed = Hex.Parse("3f302be1abcb28e1 8c332ee006064c9b 40dac39e1e1a8640 8619a1cf9a6e4c07");
        Assert.Equal(expected, Hex.Of(new Prf(PrfAlgorithm.HmacSha256).Expand(key, seed, length)));
    }

    [Fact]
    public void PrfPlus_IsPrefixStable_AndLimitedTo255Blocks()
    {
        var prf = new Prf(PrfAlgorithm.HmacSha384);
        byte[] key = [1, 2, 3];
        byte[] seed = [4, 5, 6, 7];
        byte[] longer = prf.Expand(key, seed, 200);
        Assert.Equal(longer[..77], prf.Expand(key, seed, 77));
        Assert.Equal(255 * 48, prf.Expand(key, seed, 255 * 48).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => prf.Expand(key, seed, 255 * 48 + 1));
    }

    [Fact]
    public void UnknownPrf_IsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Prf((PrfAlgorithm)1));

    // RFC 2202 §3 test case 1: the weak Windows profile's PRF_HMAC_SHA1 (output 20 octets).
    [Fact]
    public void HmacSha1_rfc2202_case_1()
    {
        var prf = new Prf(PrfAlgorithm.HmacSha1);
        Assert.Equal(20, prf.OutputSize);
        Assert.Equal("b617318655057264e28bc0b6fb378c8ef146be00",
            Convert.ToHexString(prf.Compute(Enumerable.Repeat((byte)0x0b, 20).ToArray(), "Hi There"u8)).ToLowerInvariant());
    }
}
