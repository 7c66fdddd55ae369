namespace Appliance.Ike.V1;

/// <summary>Why an ISAKMP message was dropped or an exchange failed; one counter each.</summary>
public enum IkeV1Counter
{
    DatagramsReceived,
    DatagramsSent,
    /// <summary>Header, payload chain, SA, attribute or field rules violated (RFC 2408 §3, §5).</summary>
    Malformed,
    /// <summary>A payload type we do not know below 128.</summary>
    UnknownPayload,
    InvalidMajorVersion,
    /// <summary>Aggressive Mode, New Group Mode, ...</summary>
    UnsupportedExchange,
    /// <summary>No ISAKMP SA with those cookies.</summary>
    UnknownCookie,
    /// <summary>A message that does not fit the SA's state (e.g. Quick Mode before Main Mode completed, clear text after it).</summary>
    UnexpectedMessage,
    /// <summary>Ciphertext not a whole number of blocks, or a decrypted payload chain that does not parse.</summary>
    DecryptionFailed,
    /// <summary>HASH payload missing or wrong in Quick Mode / Informational.</summary>
    HashMismatch,
    /// <summary>HASH_I did not verify (or MM5 did not decrypt): wrong pre-shared key.</summary>
    AuthenticationFailed,
    NoProposalChosen,
    /// <summary>Quick Mode IDs other than UDP to our protected port.</summary>
    InvalidId,
    InvalidKeyExchange,
    /// <summary>New Main Modes dropped because <see cref="IkeV1ResponderOptions.MaxIsakmpSas"/> exist.</summary>
    SaLimitReached,
    /// <summary>New Main Modes dropped because their address has <see cref="IkeV1ResponderOptions.HalfOpenPerSource"/> in progress.</summary>
    HalfOpenPerSourceReached,
    /// <summary>Retransmitted requests answered with our stored reply.</summary>
    RetransmitsAnswered,
    HalfOpenExpired,
    DpdSent,
    DpdAcksReceived,
    DpdAnswered,
    DeadPeers,
    DeletesReceived,
    /// <summary>An unexpected exception while handling a message (a bug): dropped.</summary>
    InternalError,
}

/// <summary>Counters by <see cref="IkeV1Counter"/>; safe to read from any thread.</summary>
public sealed class IkeV1Counters
{
    private readonly long[] _values = new long[(int)IkeV1Counter.InternalError + 1];

    public long this[IkeV1Counter counter] => Interlocked.Read(ref _values[(int)counter]);

    internal void Increment(IkeV1Counter counter) => Interlocked.Increment(ref _values[(int)counter]);

    /// <summary>Every counter's name, in <see cref="IkeV1Counter"/> order (index = the enum value), for the status output.</summary>
    public static IReadOnlyList<string> Names { get; } = Enum.GetNames<IkeV1Counter>();
}
