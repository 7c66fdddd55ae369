namespace Appliance.Ike.Crypto;

/// <summary>
/// Reads strongSwan proposal strings ("aes256gcm16-prfsha384-ecp384", "aes128-sha256-modp2048", ESP
/// "aes256gcm16-ecp256-esn") into a <see cref="ProposalSpec"/>, and names a negotiated suite the way
/// strongSwan prints it. One string is one proposal; the order of keywords of one kind is the preference.
/// Rules as strongSwan 5.9.8 applies them (checked by loading proposals into charon and capturing what it sends):
/// - IKE without a prf keyword takes its PRFs from the integrity keywords (sha256 → prfsha256 ...). With an AEAD
///   cipher those integrity keywords only name the PRFs and are dropped ("aes256gcm16-sha256-ecp256" offers
///   AES_GCM_16_256 + PRF_HMAC_SHA2_256); an AEAD IKE proposal with neither prf nor integrity is refused.
/// - ESP/AH ignore integrity keywords next to an AEAD cipher and prf keywords, as strongSwan does.
/// - AEAD and classic ciphers can't share a proposal (RFC 5282 §8): configure two proposals instead.
/// - ESP without esn/noesn means noesn; a key exchange keyword in ESP asks for PFS.
/// Stricter than strongSwan on purpose: ESP with a CBC cipher and no integrity (no authentication) is refused,
/// as are empty tokens, 'esn' in an IKE proposal and commas (one proposal per list entry).
/// </summary>
public static class ProposalParser
{
    public static ProposalSpec ParseIke(string text) => Parse(text, Kind.Ike);
    public static ProposalSpec ParseEsp(string text) => Parse(text, Kind.Esp);
    public static ProposalSpec ParseAh(string text) => Parse(text, Kind.Ah);

    private enum Kind { Ike, Esp, Ah }

    private static ProposalSpec Parse(string text, Kind kind)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new FormatException("empty proposal");
        string proposal = text.Trim();
        if (proposal.Contains(','))
            throw new FormatException($"proposal '{proposal}' contains ',': give each proposal as its own list entry");

        var encr = new List<(EncryptionAlgorithm, int)>();
        var prf = new List<PrfAlgorithm>();
        var integ = new List<IntegrityAlgorithm>();
        var dh = new List<DhGroup>();
        var esn = new List<EsnMode>();
        foreach (string raw in proposal.Split('-'))
        {
            string token = raw.Trim().ToLowerInvariant();
            if (token.Length == 0)
                throw new FormatException($"empty algorithm between '-' in proposal '{proposal}'");
            if (!TransformRegistry.TryLookup(token, out TransformRegistry.Keyword k))
                throw new FormatException($"unknown algorithm '{raw.Trim()}' in proposal '{proposal}'");
            switch (k.Type)
            {
                case TransformRegistry.KeywordType.Encryption: AddOnce(encr, (k.Encryption, k.KeyBits), raw, proposal); break;
                case TransformRegistry.KeywordType.Prf: AddOnce(prf, k.Prf, raw, proposal); break;
                case TransformRegistry.KeywordType.Integrity: AddOnce(integ, k.Integrity, raw, proposal); break;
                case TransformRegistry.KeywordType.Dh: AddOnce(dh, k.Dh, raw, proposal); break;
                case TransformRegistry.KeywordType.Esn: AddOnce(esn, k.Esn, raw, proposal); break;
            }
        }
        return kind switch
        {
            Kind.Ike => FinishIke(proposal, encr, prf, integ, dh, esn),
            Kind.Esp => FinishEsp(proposal, encr, prf, integ, dh, esn),
            _ => FinishAh(proposal, encr, prf, integ, dh, esn),
        };
    }

    private static void AddOnce<T>(List<T> list, T item, string raw, string proposal)
    {
        if (list.Contains(item))
            throw new FormatException($"algorithm '{raw.Trim()}' appears twice in proposal '{proposal}'");
        list.Add(item);
    }

    private static ProposalSpec FinishIke(string proposal, List<(EncryptionAlgorithm Alg, int Bits)> encr, List<PrfAlgorithm> prf,
        List<IntegrityAlgorithm> integ, List<DhGroup> dh, List<EsnMode> esn)
    {
        if (esn.Count > 0)
            throw new FormatException($"'esn'/'noesn' apply to ESP/AH only, not to the IKE proposal '{proposal}'");
        bool aead = RequireCiphers(proposal, encr, integ);
        if (dh.Count == 0)
            throw new FormatException($"IKE proposal '{proposal}' names no key exchange method (e.g. curve25519, ecp256, modp2048)");
        if (prf.Count == 0)
        {
            if (integ.Count == 0)
                throw new FormatException($"IKE proposal '{proposal}' with an AEAD cipher needs a PRF (e.g. prfsha256)");
            prf.AddRange(integ.Select(PrfFor));
        }
        return new ProposalSpec(encr, prf, aead ? [] : integ, dh, []);
    }

    // ESP and AH drop prf keywords (and integrity next to AEAD) without complaint, as charon does.
    private static ProposalSpec FinishEsp(string proposal, List<(EncryptionAlgorithm Alg, int Bits)> encr, List<PrfAlgorithm> prf,
        List<IntegrityAlgorithm> integ, List<DhGroup> dh, List<EsnMode> esn)
    {
        bool aead = RequireCiphers(proposal, encr, integ);
        return new ProposalSpec(encr, [], aead ? [] : integ, dh, esn.Count == 0 ? [EsnMode.NoEsn] : esn);
    }

    private static ProposalSpec FinishAh(string proposal, List<(EncryptionAlgorithm Alg, int Bits)> encr, List<PrfAlgorithm> prf,
        List<IntegrityAlgorithm> integ, List<DhGroup> dh, List<EsnMode> esn)
    {
        if (encr.Count > 0)
            throw new FormatException($"AH proposal '{proposal}' may only name integrity algorithms, key exchange methods and esn/noesn");
        if (integ.Count == 0)
            throw new FormatException($"AH proposal '{proposal}' names no integrity algorithm");
        return new ProposalSpec([], [], integ, dh, esn.Count == 0 ? [EsnMode.NoEsn] : esn);
    }

    /// <returns>true when the proposal is AEAD-only.</returns>
    private static bool RequireCiphers(string proposal, List<(EncryptionAlgorithm Alg, int Bits)> encr, List<IntegrityAlgorithm> integ)
    {
        if (encr.Count == 0)
            throw new FormatException($"proposal '{proposal}' names no encryption algorithm");
        int aeadCount = encr.Count(e => TransformRegistry.IsAead(e.Alg));
        if (aeadCount != 0 && aeadCount != encr.Count)
            throw new FormatException($"proposal '{proposal}' mixes AEAD and classic ciphers: configure them as two proposals (RFC 5282 §8)");
        bool aead = aeadCount != 0;
        if (!aead && integ.Count == 0)
            throw new FormatException($"proposal '{proposal}' names no integrity algorithm for its CBC cipher (e.g. sha256)");
        return aead;
    }

    private static PrfAlgorithm PrfFor(IntegrityAlgorithm integ) => integ switch
    {
        IntegrityAlgorithm.HmacSha1_96 => PrfAlgorithm.HmacSha1,
        IntegrityAlgorithm.HmacSha256_128 => PrfAlgorithm.HmacSha256,
        IntegrityAlgorithm.HmacSha384_192 => PrfAlgorithm.HmacSha384,
        _ => PrfAlgorithm.HmacSha512,
    };

    /// <summary>strongSwan's name of a negotiated suite, e.g. "AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519" or
    /// "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" (order: encr, integ, prf, key exchange, ESN).</summary>
    public static string Format(TransformSet selected)
    {
        ArgumentNullException.ThrowIfNull(selected);
        var parts = new List<string>(5);
        if (selected.Encryption != EncryptionAlgorithm.None) // AH has no cipher: strongSwan names it "HMAC_SHA2_256_128"
            parts.Add(TransformRegistry.Name(selected.Encryption, selected.EncryptionKeyBits));
        if (selected.Integrity != IntegrityAlgorithm.None)
            parts.Add(TransformRegistry.Name(selected.Integrity));
        if (selected.Prf is { } prf)
            parts.Add(TransformRegistry.Name(prf));
        if (selected.Dh != DhGroup.None)
            parts.Add(TransformRegistry.Name(selected.Dh));
        if (selected.Esn.Count > 0 && selected.Esn[0] == EsnMode.Esn)
            parts.Add("ESN");
        return string.Join('/', parts);
    }
}
