namespace Appliance.Board;

/// <summary>The state of one configured tunnel as the IKE host reports it.</summary>
public enum TunnelState
{
    NotConfigured,
    Negotiating,
    Up,
    /// <summary>Down, will be retried (deleted, rekey failed, link lost).</summary>
    Down,
    /// <summary>The peer rejected our credentials or we rejected theirs: retrying will not fix it.</summary>
    AuthFailed,
    /// <summary>No answer from the peer (retransmits exhausted, DPD timeout).</summary>
    PeerUnreachable,
}
