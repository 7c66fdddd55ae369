using System.Buffers.Binary;
using Appliance.Ike.Crypto;

namespace Appliance.Ike.V1;

/// <summary>The ESP transform we accepted in Quick Mode.</summary>
internal sealed class Phase2Choice
{
    public byte ProposalNumber;
    /// <summary>The initiator's SPI: our outbound SA.</summary>
    public uint PeerSpi;
    public required byte[] TransformBody;
    public int KeyBits;
    public ushort AuthAlgorithm;
    public ushort EncapsulationMode;
    public DhGroup PfsGroup;
    public ulong LifeSeconds;
    public ulong LifeKilobytes;

    public bool UdpEncapsulated => EncapsulationMode is P2Attr.ModeUdpTransport or P2Attr.ModeUdpTransportDraft;

    /// <summary>IKEv2 IANA integrity id as the data plane wants it: AUTH_HMAC_SHA1_96 (2) or AUTH_HMAC_SHA2_256_128 (12, RFC 4868).</summary>
    public ushort IntegrityTransformId => AuthAlgorithm == P2Attr.AuthHmacSha1 ? (ushort)IntegrityAlgorithm.HmacSha1_96 : (ushort)IntegrityAlgorithm.HmacSha256_128;

    public int IntegrityKeyBytes => AuthAlgorithm == P2Attr.AuthHmacSha1 ? 20 : 32;

    public string Suite => $"aes{KeyBits}-{(AuthAlgorithm == P2Attr.AuthHmacSha1 ? "sha1" : "sha256")}" +
        (PfsGroup == DhGroup.None ? "" : "-" + Phase1Choice.GroupName(PfsGroup));
}

/// <summary>Why no ESP transform was taken.</summary>
internal enum Phase2Refusal
{
    None,
    NoProposalChosen,
}

/// <summary>
/// Quick Mode SA choice (RFC 2409 §5.5, RFC 2407 §4.5, RFC 3947 §5.1): an ESP proposal alone (no AH/IPComp bundle,
/// RFC 2408 §4.2), ESP_AES 128/256 with HMAC-SHA1 or HMAC-SHA2-256, transport mode (UDP-encapsulated when a NAT was
/// detected), a PFS group exactly when a KE payload came. Strongest first: key size, then integrity.
/// </summary>
internal static class Phase2Proposal
{
    public static Phase2Choice? Choose(List<V1Proposal> proposals, bool natDetected, bool withKe)
    {
        Phase2Choice? best = null;
        int bestScore = -1;
        foreach (V1Proposal proposal in proposals)
        {
            if (proposal.ProtocolId != V1Protocol.Esp || proposal.Spi.Length != 4 || IsBundle(proposals, proposal))
                continue;
            uint spi = BinaryPrimitives.ReadUInt32BigEndian(proposal.Spi);
            if (spi < 256) // SPIs 1-255 are reserved (RFC 4303 §2.1), 0 is invalid
                continue;
            foreach (V1Transform transform in proposal.Transforms)
            {
                Phase2Choice? c = TryAccept(transform, natDetected, withKe);
                if (c is null)
                    continue;
                int score = (c.KeyBits / 128) * 10 + (c.AuthAlgorithm == P2Attr.AuthHmacSha256 ? 2 : 1);
                if (score <= bestScore)
                    continue;
                bestScore = score;
                c.ProposalNumber = proposal.Number;
                c.PeerSpi = spi;
                best = c;
            }
        }
        return best;
    }

    private static bool IsBundle(List<V1Proposal> proposals, V1Proposal proposal)
    {
        foreach (V1Proposal other in proposals)
            if (!ReferenceEquals(other, proposal) && other.Number == proposal.Number)
                return true;
        return false;
    }

    private static Phase2Choice? TryAccept(V1Transform transform, bool natDetected, bool withKe)
    {
        if (transform.TransformId != P2Attr.EspAesCbc)
            return null;
        int keyBits = 0;
        ushort auth = 0, mode = 0, lifeType = 0;
        DhGroup group = DhGroup.None;
        ulong lifeSeconds = 0, lifeKb = 0;
        foreach (SaAttribute a in transform.Attributes)
        {
            switch (a.Type)
            {
                case P2Attr.KeyLength:
                    if (a.Value is not (128 or 256))
                        return null;
                    keyBits = (int)a.Value;
                    break;
                case P2Attr.AuthenticationAlgorithm:
                    if (a.Value is not (P2Attr.AuthHmacSha1 or P2Attr.AuthHmacSha256))
                        return null;
                    auth = (ushort)a.Value;
                    break;
                case P2Attr.EncapsulationMode:
                    mode = (ushort)Math.Min(a.Value, ushort.MaxValue);
                    break;
                case P2Attr.GroupDescription:
                    if (!Phase1Proposal.IsSupportedGroup(a.Value))
                        return null;
                    group = (DhGroup)a.Value;
                    break;
                case P2Attr.LifeType:
                    lifeType = (ushort)Math.Min(a.Value, ushort.MaxValue);
                    break;
                case P2Attr.LifeDuration:
                    if (lifeType == P1Attr.LifeSeconds)
                        lifeSeconds = a.Value;
                    else if (lifeType == P1Attr.LifeKilobytes)
                        lifeKb = a.Value;
                    break;
                default:
                    return null; // key rounds, compression, ...
            }
        }
        if (auth == 0 || (group != DhGroup.None) != withKe)
            return null;
        if (keyBits == 0)
            keyBits = 128;
        bool udp = mode is P2Attr.ModeUdpTransport or P2Attr.ModeUdpTransportDraft;
        // Plain transport across a NAT cannot work (RFC 3947 §5.1); the UDP-encapsulated modes are taken without one too.
        if (!(udp || (mode == P2Attr.ModeTransport && !natDetected)))
            return null;
        return new Phase2Choice
        {
            TransformBody = transform.Body,
            KeyBits = keyBits,
            AuthAlgorithm = auth,
            EncapsulationMode = mode,
            PfsGroup = group,
            LifeSeconds = lifeSeconds,
            LifeKilobytes = lifeKb,
        };
    }
}
