namespace Appliance.Ike.V1;

/// <summary>Settings of the IKEv1 responder for L2TP/IPsec clients.</summary>
public sealed class IkeV1ResponderOptions
{
    /// <summary>Used in the events' TunnelName.</summary>
    public string TunnelName { get; init; } = "l2tp";

    /// <summary>The pre-shared key of every client; never logged.</summary>
    public byte[] PreSharedKey { get; init; } = [];

    /// <summary>Quick Mode: only UDP (17) to/from this port of ours is accepted.</summary>
    public ushort ProtectedPort { get; init; } = 1701;

    /// <summary>A longer proposed ISAKMP SA life is capped: the SA is deleted at this age.</summary>
    public TimeSpan MaxPhase1Lifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>A longer proposed ESP SA life is answered with ours (RESPONDER-LIFETIME, RFC 2407 §4.6.3.1).</summary>
    public TimeSpan MaxPhase2Lifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>ISAKMP SAs (half-open included); beyond, new Main Modes are dropped and counted.</summary>
    public int MaxIsakmpSas { get; init; } = 256;

    /// <summary>Main Modes in progress from one address; further MM1s from it are dropped (a bound against one flooding host).</summary>
    public int HalfOpenPerSource { get; init; } = 5;

    /// <summary>R-U-THERE after this long without a message from a peer that announced DPD; dead after 5 unanswered.</summary>
    public TimeSpan DpdIdle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Interval between unanswered R-U-THEREs.</summary>
    public TimeSpan DpdRetry { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A Main Mode or Quick Mode not finished in this time is dropped.</summary>
    public TimeSpan HalfOpenTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
