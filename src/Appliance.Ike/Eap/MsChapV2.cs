using System.Security.Cryptography;
using System.Text;
using Appliance.Ike.Crypto;

namespace Appliance.Ike.Eap;

/// <summary>
/// The MS-CHAPv2 computations (RFC 2759 §8) and the MPPE keys that make the EAP MSK (RFC 3079 §3.4, draft-kamath-pppext-
/// eap-mschapv2 §2.4). Known-answer tests: RFC 2759 §9.2 and RFC 3079 §3.5.3.
/// </summary>
internal static class MsChapV2
{
    public const int ChallengeSize = 16;
    public const int NtResponseSize = 24;
    public const int MskSize = 64;

    private static ReadOnlySpan<byte> Magic1 => "Magic server to client signing constant"u8;
    private static ReadOnlySpan<byte> Magic2 => "Pad to make it do more than one iteration"u8;
    private static ReadOnlySpan<byte> MasterMagic => "This is the MPPE Master Key"u8;
    private static ReadOnlySpan<byte> ClientSendMagic => "On the client side, this is the send key; on the server side, it is the receive key."u8;
    private static ReadOnlySpan<byte> ClientReceiveMagic => "On the client side, this is the receive key; on the server side, it is the send key."u8;

    /// <summary>NtPasswordHash (§8.3): MD4 of the password in UTF-16LE.</summary>
    public static byte[] NtPasswordHash(string password)
    {
        byte[] unicode = Encoding.Unicode.GetBytes(password);
        try { return Md4.Hash(unicode); }
        finally { CryptographicOperations.ZeroMemory(unicode); }
    }

    /// <summary>HashNtPasswordHash (§8.4).</summary>
    public static byte[] HashNtPasswordHash(ReadOnlySpan<byte> passwordHash) => Md4.Hash(passwordHash);

    /// <summary>ChallengeHash (§8.2): the user name without a "DOMAIN\" prefix is hashed.</summary>
    public static byte[] ChallengeHash(ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, string userName)
    {
        int slash = userName.LastIndexOf('\\');
        byte[] name = Encoding.UTF8.GetBytes(slash >= 0 ? userName[(slash + 1)..] : userName);
        byte[] input = [.. peerChallenge, .. authenticatorChallenge, .. name];
        return SHA1.HashData(input)[..8];
    }

    /// <summary>GenerateNTResponse (§8.1) from the NT password hash.</summary>
    public static byte[] GenerateNtResponse(ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> peerChallenge, string userName,
        ReadOnlySpan<byte> passwordHash) =>
        ChallengeResponse(ChallengeHash(peerChallenge, authenticatorChallenge, userName), passwordHash);

    /// <summary>ChallengeResponse (§8.5): the hash, zero-padded to 21 octets, is three DES keys.</summary>
    public static byte[] ChallengeResponse(ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> passwordHash)
    {
        Span<byte> z = stackalloc byte[21];
        z.Clear();
        passwordHash[..16].CopyTo(z);
        var response = new byte[NtResponseSize];
        Span<byte> key = stackalloc byte[8];
        for (int i = 0; i < 3; i++)
        {
            ExpandDesKey(z.Slice(7 * i, 7), key);
            DesBlock.Encrypt(key, challenge[..8], response.AsSpan(8 * i));
        }
        CryptographicOperations.ZeroMemory(z);
        CryptographicOperations.ZeroMemory(key);
        return response;
    }

    /// <summary>GenerateAuthenticatorResponse (§8.7): "S=" and 40 upper-case hex digits.</summary>
    public static string GenerateAuthenticatorResponse(ReadOnlySpan<byte> passwordHash, ReadOnlySpan<byte> ntResponse,
        ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, string userName)
    {
        byte[] hashHash = HashNtPasswordHash(passwordHash);
        byte[] digest = SHA1.HashData([.. hashHash, .. ntResponse, .. Magic1]);
        byte[] challenge = ChallengeHash(peerChallenge, authenticatorChallenge, userName);
        digest = SHA1.HashData([.. digest, .. challenge, .. Magic2]);
        CryptographicOperations.ZeroMemory(hashHash);
        return "S=" + Convert.ToHexString(digest);
    }

    /// <summary>GetMasterKey (RFC 3079 §3.4).</summary>
    public static byte[] MasterKey(ReadOnlySpan<byte> passwordHash, ReadOnlySpan<byte> ntResponse)
    {
        byte[] hashHash = HashNtPasswordHash(passwordHash);
        byte[] digest = SHA1.HashData([.. hashHash, .. ntResponse, .. MasterMagic]);
        CryptographicOperations.ZeroMemory(hashHash);
        return digest[..16];
    }

    /// <summary>GetAsymmetricStartKey (RFC 3079 §3.4) for the client's send or receive direction, 16 octets.</summary>
    public static byte[] ClientStartKey(ReadOnlySpan<byte> masterKey, bool send)
    {
        Span<byte> pad1 = stackalloc byte[40];
        pad1.Clear();
        Span<byte> pad2 = stackalloc byte[40];
        pad2.Fill(0xf2);
        byte[] digest = SHA1.HashData([.. masterKey, .. pad1, .. (send ? ClientSendMagic : ClientReceiveMagic), .. pad2]);
        return digest[..16];
    }

    /// <summary>
    /// The EAP-MSCHAPv2 MSK: the authenticator's MS-MPPE-Recv-Key then its MS-MPPE-Send-Key (the client's send key, then
    /// its receive key), zero-padded to the 64 octets EAP keys have (RFC 3748 §7.10). HMAC pads its key with zeros anyway,
    /// so the padding changes no HMAC-based PRF output.
    /// </summary>
    public static byte[] Msk(ReadOnlySpan<byte> passwordHash, ReadOnlySpan<byte> ntResponse)
    {
        byte[] master = MasterKey(passwordHash, ntResponse);
        var msk = new byte[MskSize];
        ClientStartKey(master, send: true).CopyTo(msk, 0);
        ClientStartKey(master, send: false).CopyTo(msk, 16);
        CryptographicOperations.ZeroMemory(master);
        return msk;
    }

    /// <summary>Spreads 56 key bits over 8 octets, the low bit of each being DES parity (ignored by DES).</summary>
    private static void ExpandDesKey(ReadOnlySpan<byte> seven, Span<byte> key)
    {
        ulong bits = 0;
        for (int i = 0; i < 7; i++)
            bits = (bits << 8) | seven[i];
        for (int i = 0; i < 8; i++)
            key[i] = (byte)(((bits >> (49 - 7 * i)) & 0x7f) << 1);
    }
}
