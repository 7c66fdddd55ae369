using Appliance.Ike.Crypto;

namespace Appliance.Ike.V1;

/// <summary>The phase 1 transform we accepted, with the SA payload we answer with.</summary>
internal sealed class Phase1Choice
{
    public required V1Cipher Cipher;
    public required V1Hash Hash;
    public DhGroup Group;
    /// <summary>The proposed life in seconds (0 when none was proposed).</summary>
    public ulong LifeSeconds;
    public required byte[] ReplySa;

    public string Suite => $"{Cipher.Name}-{Hash.Name}-{GroupName(Group)}";

    public static string GroupName(DhGroup group) => group switch
    {
        DhGroup.Modp1024 => "modp1024",
        DhGroup.Modp2048 => "modp2048",
        DhGroup.Ecp256 => "ecp256",
        DhGroup.Ecp384 => "ecp384",
        _ => "none",
    };
}

/// <summary>
/// Phase 1 proposal choice (RFC 2409 §5, Appendix A): of the initiator's KEY_IKE transforms with pre-shared key
/// authentication, the strongest we support: AES-CBC 128/256 or 3DES, SHA-1/SHA2-256/384, groups 2, 14, 19, 20.
/// Ranked by group, then cipher, then hash.
/// </summary>
internal static class Phase1Proposal
{
    public static Phase1Choice? Choose(List<V1Proposal> proposals)
    {
        Phase1Choice? best = null;
        int bestScore = -1;
        foreach (V1Proposal proposal in proposals)
        {
            if (proposal.ProtocolId != V1Protocol.Isakmp)
                continue;
            foreach (V1Transform transform in proposal.Transforms)
            {
                if (transform.TransformId != P1Attr.KeyIke)
                    continue;
                if (!TryAccept(transform, out ushort enc, out int keyBits, out ushort hash, out DhGroup group, out ulong life))
                    continue;
                int score = GroupRank(group) * 100 + (enc == P1Attr.Enc3DesCbc ? 0 : keyBits / 128) * 10 + HashRank(hash);
                if (score <= bestScore)
                    continue;
                bestScore = score;
                best = new Phase1Choice
                {
                    Cipher = new V1Cipher(enc, keyBits),
                    Hash = new V1Hash(hash),
                    Group = group,
                    LifeSeconds = life,
                    ReplySa = SaPayload.BuildReply(proposal.Number, proposal.ProtocolId, proposal.Spi, transform.Body),
                };
            }
        }
        return best;
    }

    private static int GroupRank(DhGroup g) => g switch { DhGroup.Modp1024 => 1, DhGroup.Modp2048 => 2, DhGroup.Ecp256 => 3, _ => 4 };

    private static int HashRank(ushort h) => h switch { P1Attr.HashSha1 => 1, P1Attr.HashSha256 => 2, _ => 3 };

    internal static bool IsSupportedGroup(ulong g) => g is 2 or 14 or 19 or 20;

    private static bool TryAccept(V1Transform transform, out ushort enc, out int keyBits, out ushort hash, out DhGroup group, out ulong lifeSeconds)
    {
        enc = 0;
        keyBits = 0;
        hash = 0;
        group = DhGroup.None;
        lifeSeconds = 0;
        ulong auth = 0;
        ushort lifeType = 0;
        foreach (SaAttribute a in transform.Attributes)
        {
            switch (a.Type)
            {
                case P1Attr.EncryptionAlgorithm:
                    if (a.Value is not (P1Attr.EncAesCbc or P1Attr.Enc3DesCbc))
                        return false;
                    enc = (ushort)a.Value;
                    break;
                case P1Attr.HashAlgorithm:
                    if (!V1Hash.IsSupported(a.Value))
                        return false;
                    hash = (ushort)a.Value;
                    break;
                case P1Attr.AuthenticationMethod:
                    auth = a.Value;
                    break;
                case P1Attr.GroupDescription:
                    if (!IsSupportedGroup(a.Value))
                        return false;
                    group = (DhGroup)a.Value;
                    break;
                case P1Attr.KeyLength:
                    if (a.Value is not (128 or 256 or 192))
                        return false;
                    keyBits = (int)a.Value;
                    break;
                case P1Attr.LifeType:
                    lifeType = (ushort)a.Value;
                    break;
                case P1Attr.LifeDuration:
                    if (lifeType == P1Attr.LifeSeconds)
                        lifeSeconds = a.Value;
                    break;
                case P1Attr.GroupType:
                    if (a.Value != 1) // MODP; only with custom groups
                        return false;
                    break;
                default:
                    return false; // PRF, field size, group prime/generator, ...: not negotiable here
            }
        }
        if (enc == 0 || hash == 0 || group == DhGroup.None || auth != P1Attr.AuthPreSharedKey)
            return false;
        if (enc == P1Attr.Enc3DesCbc)
        {
            if (keyBits != 0)
                return false;
            keyBits = 192;
        }
        else
        {
            if (keyBits == 0)
                keyBits = 128; // RFC 3602 §5 (by analogy for IKE): absent key length means 128
            if (keyBits == 192)
                return false;
        }
        return true;
    }
}
