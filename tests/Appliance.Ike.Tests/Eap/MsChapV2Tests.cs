using System.Security.Cryptography;
using System.Text;
using Appliance.Ike.Crypto;
using Appliance.Ike.Eap;
using Appliance.Ike.Tests.Engine;

namespace Appliance.Ike.Tests.Eap;

/// <summary>Known answers for MD4, DES and MS-CHAPv2 (RFC 1320 §A.5, RFC 2759 §9.2, RFC 3079 §3.5.3).</summary>
public class MsChapV2Tests
{
    private static byte[] H(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    // RFC 2759 §9.2
    private static readonly byte[] AuthenticatorChallenge = H("5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28");
    private static readonly byte[] PeerChallenge = H("21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E");
    private static readonly byte[] PasswordHash = H("44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE");
    private static readonly byte[] NtResponse = H("82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF");

    [Theory]
    [InlineData("", "31d6cfe0d16ae931b73c59d7e0c089c0")]
    [InlineData("a", "bde52cb31de33e46245e05fbdbd6fb24")]
    [InlineData("abc", "a448017aaf21d8525fc10ae87aa6729d")]
    [InlineData("message digest", "d9130a8164549fe818874806e1c7014b")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "e33b4ddc9c38f2199c3e7b164fcc0536")]
    public void Md4_matches_RFC_1320(string message, string digest) =>
        Assert.Equal(digest, Convert.ToHexStringLower(Md4.Hash(Encoding.ASCII.GetBytes(message))));

    [Fact]
    public void Des_agrees_with_the_platform_for_non_weak_keys()
    {
        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            var key = new byte[8];
            var block = new byte[8];
            random.NextBytes(key);
            random.NextBytes(block);
            if (DES.IsWeakKey(key) || DES.IsSemiWeakKey(key)) continue;
            using var des = DES.Create();
            des.Key = key;
            byte[] expected = des.EncryptEcb(block, PaddingMode.None);
            var actual = new byte[8];
            DesBlock.Encrypt(key, block, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Des_encrypts_with_a_weak_key_that_the_platform_refuses()
    {
        // FIPS 81 / NBS validation: the all-zero-bits key (0101...) with plaintext 8000000000000000 gives 95F8A5E5DD31D900.
        var output = new byte[8];
        DesBlock.Encrypt(H("0101010101010101"), H("8000000000000000"), output);
        Assert.Equal(H("95F8A5E5DD31D900"), output);
    }

    [Fact]
    public void NtPasswordHash_matches_RFC_2759() => Assert.Equal(PasswordHash, MsChapV2.NtPasswordHash("clientPass"));

    [Fact]
    public void PasswordHashHash_matches_RFC_2759() =>
        Assert.Equal(H("41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F"), MsChapV2.HashNtPasswordHash(PasswordHash));

    [Fact]
    public void ChallengeHash_matches_RFC_2759() =>
        Assert.Equal(H("D0 2E 43 86 BC E9 12 26"), MsChapV2.ChallengeHash(PeerChallenge, AuthenticatorChallenge, "User"));

    [Fact]
    public void ChallengeHash_ignores_a_domain_prefix() =>
        Assert.Equal(MsChapV2.ChallengeHash(PeerChallenge, AuthenticatorChallenge, "User"),
            MsChapV2.ChallengeHash(PeerChallenge, AuthenticatorChallenge, "OFFICE\\User"));

    [Fact]
    public void NtResponse_matches_RFC_2759() =>
        Assert.Equal(NtResponse, MsChapV2.GenerateNtResponse(AuthenticatorChallenge, PeerChallenge, "User", PasswordHash));

    [Fact]
    public void AuthenticatorResponse_matches_RFC_2759() =>
        Assert.Equal("S=407A5589115FD0D6209F510FE9C04566932CDA56",
            MsChapV2.GenerateAuthenticatorResponse(PasswordHash, NtResponse, PeerChallenge, AuthenticatorChallenge, "User"));

    [Fact]
    public void MasterKey_and_start_key_match_RFC_3079()
    {
        byte[] master = MsChapV2.MasterKey(PasswordHash, NtResponse);
        Assert.Equal(H("FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31"), master);
        // RFC 3079 §3.5.3's SendStartKey128 is the server's send key, i.e. the client's receive key.
        Assert.Equal(H("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB"), MsChapV2.ClientStartKey(master, send: false));
    }

    [Fact]
    public void Msk_is_client_send_key_then_client_receive_key_then_zeros()
    {
        byte[] msk = MsChapV2.Msk(PasswordHash, NtResponse);
        byte[] master = MsChapV2.MasterKey(PasswordHash, NtResponse);
        Assert.Equal(64, msk.Length);
        Assert.Equal(MsChapV2.ClientStartKey(master, send: true), msk[..16]);
        Assert.Equal(H("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB"), msk[16..32]);
        Assert.All(msk[32..], b => Assert.Equal(0, b));
    }

    private static (EapMsChapV2Server Server, EapMsChapV2Client Client) Pair(string clientPassword, string user = "alice") =>
        (new EapMsChapV2Server(new SeededRandom(1), name => name == "alice" ? MsChapV2.NtPasswordHash("s3cret pass") : null, "box"),
         new EapMsChapV2Client(new SeededRandom(2), user, MsChapV2.NtPasswordHash(clientPassword)));

    [Fact]
    public void Server_and_client_agree_on_the_MSK()
    {
        (EapMsChapV2Server server, EapMsChapV2Client client) = Pair("s3cret pass");
        byte[]? toClient = server.Start();
        int rounds = 0;
        while (true)
        {
            EapStep c = client.Process(toClient);
            if (c.Outcome == EapOutcome.Success) break;
            Assert.Equal(EapOutcome.Continue, c.Outcome);
            EapStep s = server.Process(c.Reply);
            Assert.NotEqual(EapOutcome.Failure, s.Outcome);
            toClient = s.Reply!;
            Assert.True(++rounds < 5);
        }
        Assert.Equal("alice", server.UserName);
        Assert.Equal(3, rounds); // identity, challenge/response, success/ack
        Assert.Equal(server.Msk, client.Msk);
    }

    [Theory]
    [InlineData("wrong pass", "alice", "wrong password")]
    [InlineData("s3cret pass", "mallory", "unknown user")]
    public void Server_refuses_a_wrong_password_or_unknown_user_at_the_response(string password, string user, string reason)
    {
        (EapMsChapV2Server server, EapMsChapV2Client client) = Pair(password, user);
        EapStep identity = client.Process(server.Start());
        EapStep challenge = server.Process(identity.Reply);
        Assert.Equal(EapOutcome.Continue, challenge.Outcome); // unknown users get a challenge too
        EapStep response = client.Process(challenge.Reply);
        EapStep verdict = server.Process(response.Reply);
        Assert.Equal(EapOutcome.Failure, verdict.Outcome);
        Assert.Equal(reason, verdict.Failure);
        Assert.Null(server.Msk);
    }

    [Theory]
    [InlineData("")]
    [InlineData("02")]
    [InlineData("02000005")]
    [InlineData("0200000901")]
    [InlineData("020000051A")]
    public void Server_fails_cleanly_on_malformed_responses(string hex)
    {
        (EapMsChapV2Server server, _) = Pair("x");
        server.Start();
        Assert.Equal(EapOutcome.Failure, server.Process(H(hex)).Outcome);
    }

    [Fact]
    public void Client_refuses_a_server_that_does_not_know_the_password()
    {
        var server = new EapMsChapV2Server(new SeededRandom(1), _ => MsChapV2.NtPasswordHash("other"), "box");
        var client = new EapMsChapV2Client(new SeededRandom(2), "alice", MsChapV2.NtPasswordHash("other"));
        EapStep challenge = server.Process(client.Process(server.Start()).Reply);
        EapStep response = client.Process(challenge.Reply);
        EapStep success = server.Process(response.Reply);
        // Tamper with the S= value the server sends: the client must not accept it.
        byte[] forged = success.Reply!.ToArray();
        forged[12] ^= 0x01;
        Assert.Equal(EapOutcome.Failure, client.Process(forged).Outcome);
    }
}
