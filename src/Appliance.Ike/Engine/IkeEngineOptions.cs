namespace Appliance.Ike;

/// <summary>Tunables; the defaults follow strongSwan's.</summary>
public sealed record IkeEngineOptions
{
    /// <summary>First retransmission timeout (strongSwan charon.retransmit_timeout = 4 s).</summary>
    public TimeSpan RetransmitTimeout { get; init; } = TimeSpan.FromSeconds(4);
    /// <summary>Back-off base (charon.retransmit_base = 1.8): timeout n is RetransmitTimeout × base^n.</summary>
    public double RetransmitBase { get; init; } = 1.8;
    /// <summary>Retransmissions before giving up (charon.retransmit_tries = 5).</summary>
    public int RetransmitTries { get; init; } = 5;
    /// <summary>Half-open IKE SAs at which the responder starts demanding cookies (RFC 7296 §2.6; charon.cookie_threshold = 30).</summary>
    public int CookieThreshold { get; init; } = 30;
    /// <summary>
    /// Hard limit on half-open responder IKE SAs (strongSwan's charon.init_limit_half_open, unlimited there). Cookies stop
    /// spoofed floods at <see cref="CookieThreshold"/>; this stops a flood from real addresses that return the cookie.
    /// Past it, IKE_SA_INIT requests are dropped (counted HalfOpenLimitReached) until half-open SAs complete or expire.
    /// </summary>
    public int HalfOpenLimit { get; init; } = 256;
    /// <summary>
    /// Half-open responder IKE SAs one source address may hold (strongSwan's charon.block_threshold = 5). A host that
    /// returns cookies could otherwise take every <see cref="HalfOpenLimit"/> slot for <see cref="HalfOpenTimeout"/>;
    /// past it, its IKE_SA_INIT requests are dropped (counted HalfOpenPerSourceReached) while other sources get in.
    /// </summary>
    public int HalfOpenPerSource { get; init; } = 5;
    /// <summary>
    /// Octets of fragments (RFC 7383) a half-open IKE SA may hold for reassembly; an established SA may hold
    /// <see cref="FragmentReassembly.MaxOctets"/>. An IKE_AUTH with a certificate chain is a few KB (strongSwan's
    /// charon.max_packet is 10000), so this bounds what an unauthenticated peer can park here at HalfOpenLimit × this.
    /// </summary>
    public int HalfOpenReassemblyOctets { get; init; } = 16 * 1024;
    /// <summary>
    /// Largest IKE_SA_INIT request kept (strongSwan's charon.max_packet = 10000 for every message): a half-open SA keeps its
    /// request for the AUTH payload, so this bounds that copy. Larger ones are dropped, counted Oversized.
    /// </summary>
    public int MaxInitRequestSize { get; init; } = 10000;
    /// <summary>A responder's half-open IKE SA is dropped after this long without IKE_AUTH (charon.half_open_timeout = 30 s).</summary>
    public TimeSpan HalfOpenTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long a cookie secret stays valid before it is rotated (RFC 7296 §2.6 "regenerate periodically").</summary>
    public TimeSpan CookieSecretLifetime { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>
    /// Dead peer detection: after this long without an authenticated message from the peer, send an empty
    /// INFORMATIONAL (RFC 7296 §2.4); no answer after the retransmissions ends the IKE SA with PeerUnreachable.
    /// null (the default, as strongSwan's dpd_delay = 0) turns it off. When on, any request the peer leaves unanswered
    /// for three DPD intervals after its last message ends the IKE SA, even with retransmissions left.
    /// </summary>
    public TimeSpan? DpdDelay { get; init; }
    /// <summary>
    /// Rekey our Child SAs this long after they were made (strongSwan's rekey_time, 1 h there); null (the
    /// default) leaves rekeying to the peer. Each SA rekeys up to <see cref="RekeyJitter"/> of this earlier, at
    /// random, so two peers with the same setting rarely collide; collisions are still settled (RFC 7296 §2.8.1).
    /// </summary>
    public TimeSpan? ChildSaRekeyTime { get; init; }
    /// <summary>Rekey our IKE SAs this long after they were made (strongSwan's rekey_time for IKE, 4 h there); null = off.</summary>
    public TimeSpan? IkeSaRekeyTime { get; init; }
    /// <summary>
    /// Hard lifetime of a Child SA (strongSwan's life_time): one not replaced by a rekey this long after it was made is
    /// deleted, so keys are never used forever when rekeys keep failing. null: ChildSaRekeyTime + 10 %, or none.
    /// </summary>
    public TimeSpan? ChildSaLifeTime { get; init; }
    /// <summary>Hard lifetime of an IKE SA: deleted (and the host re-establishes it) if no rekey replaced it. null: IkeSaRekeyTime + 10 %, or none.</summary>
    public TimeSpan? IkeSaLifeTime { get; init; }
    /// <summary>Fraction of <see cref="ChildSaRekeyTime"/> subtracted at random (strongSwan's rand_time, 10 %).</summary>
    public double RekeyJitter { get; init; } = 0.1;
    /// <summary>Delay before a failed or refused rekey is tried again.</summary>
    public TimeSpan RekeyRetryDelay { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Nonce length in bytes (≥ 16 and ≥ half the PRF key size, RFC 7296 §2.10).</summary>
    public int NonceSize { get; init; } = 32;
    /// <summary>
    /// IKE fragmentation (RFC 7383): announce IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT and, when the peer did too,
    /// split encrypted messages larger than <see cref="FragmentSize"/> into Encrypted Fragment payloads (strongSwan's
    /// fragmentation = yes). Off: never announced, and fragments received are dropped.
    /// </summary>
    public bool Fragmentation { get; init; } = true;
    /// <summary>
    /// Largest whole IP datagram (IP + UDP + non-ESP marker + IKE message) we send for an encrypted message before
    /// fragmenting it (strongSwan's charon.fragment_size = 1280). 576 is the least every IPv4 host must accept.
    /// </summary>
    public int FragmentSize { get; init; } = 1280;
    /// <summary>IKE port (500) and NAT-T port (4500).</summary>
    public int IkePort { get; init; } = 500;
    public int NatTPort { get; init; } = 4500;
}
