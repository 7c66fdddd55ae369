using System.Text;
using Appliance.Ipsec.Crypto;

namespace Appliance.Ipsec.Tests;

/// <summary>RFC 4868 §2.7 test vectors for the HMAC-SHA-2 transforms.</summary>
public class HmacKnownAnswerTests
{
    public static TheoryData<string, IntegrityAlgorithm, string, string, string> PrfVectors() => new()
    {
        // RFC 4868 §2.7.1, Test Case PRF-1 (key 0x0b x 20, "Hi There"), for each of the three hashes.
        { "PRF-1 SHA-256", IntegrityAlgorithm.HmacSha256_128, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
        { "PRF-1 SHA-384", IntegrityAlgorithm.HmacSha384_192, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
          "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6" },
        { "PRF-1 SHA-512", IntegrityAlgorithm.HmacSha512_256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
          "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
        // RFC 4868 §2.7.1, Test Case PRF-2 (key "Jefe", "what do ya want for nothing?").
        { "PRF-2 SHA-256", IntegrityAlgorithm.HmacSha256_128, Hex.Of(Encoding.ASCII.GetBytes("Jefe")), Hex.Of(Encoding.ASCII.GetBytes("what do ya want for nothing?")),
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
    };

    [Theory]
    [MemberData(nameof(PrfVectors))]
    public void Prf_vectors(string name, IntegrityAlgorithm algorithm, string key, string data, string expected)
    {
        Span<byte> output = stackalloc byte[Hmac.MaxOutputLength];
        int written = Hmac.Compute(algorithm, Hex.Parse(key), Hex.Parse(data), output);
        Assert.True(expected == Hex.Of(output[..written]), name);
    }

    public static TheoryData<string, IntegrityAlgorithm, string, string, string> AuthVectors() => new()
    {
        // RFC 2202 §3 test case 1 (key 0x0b x 20, "Hi There": b617318655057264e28bc0b6fb378c8ef146be00), truncated to
        // 96 bits as RFC 2404 §2 says: the weak Windows profile's AUTH_HMAC_SHA1_96.
        { "HMAC-SHA1-96 RFC 2202 #1", IntegrityAlgorithm.HmacSha1_96, string.Concat(Enumerable.Repeat("0b", 20)), "4869205468657265",
          "b617318655057264e28bc0b6" },
        // RFC 4868 §2.7.2.1, Test Case AUTH256-1: key 0x0b x 32, "Hi There"; ICV = first 128 bits.
        { "AUTH256-1", IntegrityAlgorithm.HmacSha256_128, string.Concat(Enumerable.Repeat("0b", 32)), "4869205468657265",
          "198a607eb44bfbc69903a0f1cf2bbdc5" },
        // RFC 4868 §2.7.2.1, Test Case AUTH256-2: key "Jefe" x 8, "what do ya want for nothing?".
        { "AUTH256-2", IntegrityAlgorithm.HmacSha256_128, Hex.Of(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("Jefe", 8)))),
          Hex.Of(Encoding.ASCII.GetBytes("what do ya want for nothing?")), "167f928588c5cc2eef8e3093caa0e87c" },
        // RFC 4868 §2.7.2.1, Test Case AUTH256-3: key 0xaa x 32, data 0xdd x 50.
        { "AUTH256-3", IntegrityAlgorithm.HmacSha256_128, string.Concat(Enumerable.Repeat("aa", 32)), string.Concat(Enumerable.Repeat("dd", 50)),
          "cdcb1220d1ecccea91e53aba3092f962" },
        // RFC 4868 §2.7.2.1, Test Case AUTH256-4: key 0x01..0x20, data 0xcd x 50.
        { "AUTH256-4", IntegrityAlgorithm.HmacSha256_128, "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
          string.Concat(Enumerable.Repeat("cd", 50)), "372efcf9b40b35c2115b1346903d2ef4" },
        // RFC 4868 §2.7.2.2, Test Case AUTH384-1: key 0x0b x 48, "Hi There"; ICV = first 192 bits.
        { "AUTH384-1", IntegrityAlgorithm.HmacSha384_192, string.Concat(Enumerable.Repeat("0b", 48)), "4869205468657265",
          "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973" },
        // RFC 4868 §2.7.2.3, Test Case AUTH512-1: key 0x0b x 64, "Hi There"; ICV = first 256 bits.
        { "AUTH512-1", IntegrityAlgorithm.HmacSha512_256, string.Concat(Enumerable.Repeat("0b", 64)), "4869205468657265",
          "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8" },
        // RFC 4868 §2.7.2.3, Test Case AUTH512-2: key "Jefe" x 16.
        { "AUTH512-2", IntegrityAlgorithm.HmacSha512_256, Hex.Of(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("Jefe", 16)))),
          Hex.Of(Encoding.ASCII.GetBytes("what do ya want for nothing?")), "cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b15454" },
    };

    [Theory]
    [MemberData(nameof(AuthVectors))]
    public void Truncated_icv_vectors(string name, IntegrityAlgorithm algorithm, string key, string data, string expected)
    {
        Assert.Equal(Hmac.KeyLength(algorithm), Hex.Parse(key).Length);
        Span<byte> output = stackalloc byte[Hmac.MaxOutputLength];
        Hmac.Compute(algorithm, Hex.Parse(key), Hex.Parse(data), output);
        Assert.True(expected == Hex.Of(output[..Hmac.IcvLength(algorithm)]), name);
    }
}
