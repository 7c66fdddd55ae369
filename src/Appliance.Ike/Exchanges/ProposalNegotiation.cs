using Appliance.Ike.Crypto;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Exchanges;

/// <summary>
/// Turns configured proposals into SA payloads and picks the SA to use (RFC 7296 §2.7, §3.3).
/// Choice (as strongSwan by default): the responder walks the peer's proposals in the peer's order
/// and takes the first one that one of our configured proposals accepts; inside that proposal it takes,
/// per transform type, the first of the peer's transforms that we also have. The initiator accepts
/// only a reply that names exactly one transform per type out of what it offered.
/// </summary>
internal static class ProposalNegotiation
{
    private const ushort AesCbc = (ushort)EncryptionAlgorithm.AesCbc;
    private const ushort AesGcm16 = (ushort)EncryptionAlgorithm.AesGcm16;

    /// <summary>Builds SA payload proposals, numbered from 1, one per configured spec.</summary>
    public static List<Proposal> ToProposals(IReadOnlyList<ProposalSpec> specs, ProtocolId protocol, byte[] spi, bool includeDh)
    {
        var list = new List<Proposal>(specs.Count);
        for (int i = 0; i < specs.Count; i++)
            list.Add(new Proposal((byte)(i + 1), protocol, spi, ToTransforms(specs[i], protocol, includeDh)));
        return list;
    }

    private static List<Transform> ToTransforms(ProposalSpec s, ProtocolId protocol, bool includeDh)
    {
        var t = new List<Transform>();
        foreach ((EncryptionAlgorithm alg, int bits) in s.Encryption)
            t.Add(new Transform(TransformType.Encryption, (ushort)alg, HasKeyLengthAttribute(alg) ? bits : null));
        foreach (PrfAlgorithm prf in s.Prf)
            t.Add(new Transform(TransformType.PseudoRandomFunction, (ushort)prf));
        foreach (IntegrityAlgorithm integ in s.Integrity)
            if (integ != IntegrityAlgorithm.None)
                t.Add(new Transform(TransformType.Integrity, (ushort)integ));
        if (includeDh)
            foreach (DhGroup g in s.Dh)
                if (g != DhGroup.None)
                    t.Add(new Transform(TransformType.DiffieHellmanGroup, (ushort)g));
        if (protocol != ProtocolId.Ike)
            foreach (EsnMode e in EsnOrDefault(s.Esn))
                t.Add(new Transform(TransformType.ExtendedSequenceNumbers, (ushort)e));
        return t;
    }

    // RFC 7634 §2 (and §4 of the IKEv2 use): ChaCha20-Poly1305 has a fixed key size and no Key Length attribute.
    private static bool HasKeyLengthAttribute(EncryptionAlgorithm alg) => alg != EncryptionAlgorithm.ChaCha20Poly1305;

    private static IReadOnlyList<EsnMode> EsnOrDefault(IReadOnlyList<EsnMode> esn) => esn.Count == 0 ? [EsnMode.NoEsn] : esn;

    /// <summary>Responder side: first peer proposal acceptable to one of our specs.</summary>
    public static (Proposal Peer, TransformSet Selected)? Select(IReadOnlyList<Proposal> peer, IReadOnlyList<ProposalSpec> ours,
        ProtocolId protocol, bool useDh)
    {
        foreach (Proposal p in peer)
        {
            if (p.Protocol != protocol)
                continue;
            foreach (ProposalSpec spec in ours)
            {
                TransformSet? set = Match(p, spec, protocol, useDh);
                if (set is not null)
                    return (p, set);
            }
        }
        return null;
    }

    /// <summary>Initiator side: the reply must be one proposal with one transform per type, out of what we offered.</summary>
    public static TransformSet? AcceptReply(SaPayload reply, IReadOnlyList<ProposalSpec> offered, ProtocolId protocol, bool useDh)
    {
        if (reply.Proposals.Count != 1)
            return null;
        Proposal p = reply.Proposals[0];
        if (p.Number < 1 || p.Number > offered.Count || p.Protocol != protocol)
            return null;
        foreach (var group in p.Transforms.GroupBy(t => t.Type))
            if (group.Count() != 1)
                return null;
        return Match(p, offered[p.Number - 1], protocol, useDh);
    }

    /// <summary>The SA payload proposal that answers with the selected transforms.</summary>
    public static Proposal Reply(byte number, ProtocolId protocol, byte[] spi, TransformSet s, bool includeDh)
    {
        var spec = new ProposalSpec(s.Encryption == EncryptionAlgorithm.None ? [] : [(s.Encryption, s.EncryptionKeyBits)], s.Prf is { } prf ? [prf] : [],
            [s.Integrity], includeDh ? [s.Dh] : [], protocol == ProtocolId.Ike ? [] : s.Esn);
        return new Proposal(number, protocol, spi, ToTransforms(spec, protocol, includeDh));
    }

    private static TransformSet? Match(Proposal p, ProposalSpec spec, ProtocolId protocol, bool useDh)
    {
        if (p.Transforms.Any(t => t.HasUnknownAttribute || (byte)t.Type is < 1 or > 5))
            return null;
        EncryptionAlgorithm alg = EncryptionAlgorithm.None;
        int keyBits = 0;
        bool aead = false;
        if (protocol == ProtocolId.Ah)
        {
            // RFC 7296 §3.3.3: AH proposals carry integrity, optional key exchange and ESN transforms, no cipher.
            if (p.Transforms.Any(t => t.Type == TransformType.Encryption))
                return null;
        }
        else
        {
            var encr = Pick(p, TransformType.Encryption,
                spec.Encryption.Select(e => ((ushort)e.Alg, (int?)(HasKeyLengthAttribute(e.Alg) ? e.KeyBits : null))).ToList(), matchKeyLength: true);
            if (encr is null)
                return null;
            alg = (EncryptionAlgorithm)encr.Id;
            keyBits = encr.KeyLength ?? spec.Encryption.First(e => e.Alg == alg).KeyBits;
            aead = encr.Id != AesCbc;
        }

        PrfAlgorithm? prf = null;
        if (protocol == ProtocolId.Ike)
        {
            Transform? t = Pick(p, TransformType.PseudoRandomFunction, spec.Prf.Select(x => ((ushort)x, (int?)null)).ToList());
            if (t is null)
                return null;
            prf = (PrfAlgorithm)t.Id;
        }
        else if (p.Transforms.Any(t => t.Type == TransformType.PseudoRandomFunction))
        {
            return null;
        }

        IntegrityAlgorithm integ = IntegrityAlgorithm.None;
        var ourInteg = spec.Integrity.Where(i => i != IntegrityAlgorithm.None).ToList();
        var peerInteg = p.Transforms.Where(t => t.Type == TransformType.Integrity && t.Id != 0).ToList();
        if (aead)
        {
            if (peerInteg.Count > 0)
                return null; // RFC 5282 §8: AEAD with a real integrity transform is not a valid combination
        }
        else
        {
            Transform? t = Pick(p, TransformType.Integrity, ourInteg.Select(x => ((ushort)x, (int?)null)).ToList());
            if (t is null)
                return null;
            integ = (IntegrityAlgorithm)t.Id;
        }

        DhGroup dh = DhGroup.None;
        var ourDh = spec.Dh.Where(g => g != DhGroup.None).ToList();
        bool peerHasDh = p.Transforms.Any(t => t.Type == TransformType.DiffieHellmanGroup && t.Id != 0);
        if (useDh)
        {
            if (ourDh.Count > 0 || peerHasDh)
            {
                Transform? t = Pick(p, TransformType.DiffieHellmanGroup, ourDh.Select(x => ((ushort)x, (int?)null)).ToList());
                if (t is null)
                    return null;
                dh = (DhGroup)t.Id;
            }
            if (protocol == ProtocolId.Ike && dh == DhGroup.None)
                return null;
        }

        IReadOnlyList<EsnMode> esn = [];
        if (protocol != ProtocolId.Ike)
        {
            var ourEsn = EsnOrDefault(spec.Esn);
            bool peerHasEsn = p.Transforms.Any(t => t.Type == TransformType.ExtendedSequenceNumbers);
            EsnMode chosen;
            if (!peerHasEsn)
            {
                if (!ourEsn.Contains(EsnMode.NoEsn))
                    return null;
                chosen = EsnMode.NoEsn;
            }
            else
            {
                Transform? t = Pick(p, TransformType.ExtendedSequenceNumbers, ourEsn.Select(x => ((ushort)x, (int?)null)).ToList());
                if (t is null)
                    return null;
                chosen = (EsnMode)t.Id;
            }
            esn = [chosen];
        }
        _ = AesGcm16;
        return new TransformSet(alg, keyBits, prf, integ, dh, esn);
    }

    private static Transform? Pick(Proposal p, TransformType type, List<(ushort Id, int? KeyLength)> ours, bool matchKeyLength = false)
    {
        foreach (Transform t in p.Transforms)
        {
            if (t.Type != type)
                continue;
            foreach ((ushort id, int? kl) in ours)
                if (t.Id == id && (!matchKeyLength || t.KeyLength == kl))
                    return t;
        }
        return null;
    }
}
