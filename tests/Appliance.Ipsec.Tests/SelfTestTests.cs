using Appliance.Ipsec.SelfTest;

namespace Appliance.Ipsec.Tests;

public class SelfTestTests
{
    [Fact]
    public void Every_known_answer_test_passes_and_every_suite_is_covered()
    {
        IReadOnlyList<(string Name, bool Passed)> results = KnownAnswerTests.Run();

        Assert.All(results, r => Assert.True(r.Passed, r.Name));
        string all = string.Join("\n", results.Select(r => r.Name));
        foreach (string expected in new[]
                 {
                     "ChaCha20-Poly1305 RFC 7634 A [NSec]", "ChaCha20-Poly1305 RFC 7634 A [DotNet]", "AES-128-GCM", "AES-256-GCM",
                     "[DotNet]", "AES-128-CBC/HMAC-SHA-256-128", "AES-256-CBC/HMAC-SHA-512-256", "HMAC-SHA-384-192", "AH HMAC-SHA-256-128",
                 })
            Assert.Contains(expected, all);
    }
}

public class SelfTestNegativeControlTests
{
    [Fact]
    public void A_wrong_expected_packet_fails_the_known_answer_test()
    {
        // The self-test must be able to fail: flip one ciphertext nibble of the RFC 7634 vector.
        var vector = Appliance.Ipsec.SelfTest.KnownAnswerVectors.Esp[0];
        string packet = vector.Packet;
        var corrupted = vector with { Packet = packet[..40] + (packet[40] == '0' ? '1' : '0') + packet[41..] };
        Assert.True(Appliance.Ipsec.SelfTest.KnownAnswerTests.RunEsp(vector, Crypto.CryptoBackend.DotNet));
        Assert.False(Appliance.Ipsec.SelfTest.KnownAnswerTests.RunEsp(corrupted, Crypto.CryptoBackend.DotNet));
    }
}
