namespace Appliance.Ike.Crypto;

/// <summary>
/// The negotiated suite: exactly one transform per type (RFC 7296 §3.3). <see cref="Prf"/> is null for
/// ESP/AH, <see cref="Integrity"/> is <see cref="IntegrityAlgorithm.None"/> for AEAD ciphers, <see cref="Dh"/>
/// is <see cref="DhGroup.None"/> for a Child SA without PFS, and <see cref="Esn"/> is empty for IKE.
/// </summary>
public sealed record TransformSet(EncryptionAlgorithm Encryption, int EncryptionKeyBits, PrfAlgorithm? Prf,
    IntegrityAlgorithm Integrity, DhGroup Dh, IReadOnlyList<EsnMode> Esn);

/// <summary>
/// One configured proposal: per transform type, the acceptable algorithms in order of preference.
/// Integrity is empty for AEAD-only proposals, Prf is empty for ESP/AH, Dh is empty for ESP without PFS,
/// Encryption is empty for AH.
/// </summary>
public sealed record ProposalSpec(IReadOnlyList<(EncryptionAlgorithm Alg, int KeyBits)> Encryption,
    IReadOnlyList<PrfAlgorithm> Prf, IReadOnlyList<IntegrityAlgorithm> Integrity, IReadOnlyList<DhGroup> Dh,
    IReadOnlyList<EsnMode> Esn);
