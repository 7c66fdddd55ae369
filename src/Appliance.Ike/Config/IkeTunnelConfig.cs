using System.Net;

namespace Appliance.Ike;

/// <summary>What the engine does with a tunnel once it is added.</summary>
public enum StartAction
{
    /// <summary>Wait for the peer (responder only) or for an explicit <see cref="IkeEngine.Initiate"/>.</summary>
    None,
    /// <summary>Initiate as soon as the tunnel is added.</summary>
    Start,
    /// <summary>Initiate when the data path asks for it (the host calls <see cref="IkeEngine.Initiate"/>).</summary>
    Trap,
}

public enum IpsecMode { Tunnel, Transport }

/// <summary>One configured IKE connection with its (single) Child SA.</summary>
/// <param name="RemoteAddress">null means %any: the tunnel can only respond.</param>
/// <param name="IkeProposals">strongSwan proposal strings, e.g. "aes256gcm16-prfsha256-curve25519".</param>
/// <param name="EspProposals">strongSwan ESP proposal strings, e.g. "aes256gcm16", "aes128-sha256-esn"; empty for an AH tunnel.</param>
public sealed record IkeTunnelConfig(
    string Name,
    IPAddress? LocalAddress,
    IPAddress? RemoteAddress,
    IkeIdentity LocalId,
    IkeIdentity RemoteId,
    byte[] Psk,
    IReadOnlyList<TrafficSelector> LocalTs,
    IReadOnlyList<TrafficSelector> RemoteTs,
    IReadOnlyList<string> IkeProposals,
    IReadOnlyList<string> EspProposals,
    StartAction Start,
    IpsecMode Mode,
    bool ForceUdpEncapsulation)
{
    /// <summary>
    /// Certificate authentication (RFC 7296 §2.15 digital signatures, RFC 7427): when set, the tunnel signs AUTH
    /// with this credential and verifies the peer's certificate and signature; <see cref="Psk"/> is then unused.
    /// </summary>
    public IkeCertificateCredential? Certificate { get; init; }

    /// <summary>
    /// Remote access (responder): clients authenticate by EAP-MSCHAPv2 and get virtual IPs from the pool; the tunnel serves
    /// any number of them at once, each with its own IKE SA. Needs <see cref="Certificate"/> (§2.16: the box signs).
    /// </summary>
    public RemoteAccessConfig? RemoteAccess { get; init; }

    /// <summary>Road-warrior client (initiator): authenticate by EAP-MSCHAPv2 and ask for a virtual IP; needs <see cref="Certificate"/> to check the responder.</summary>
    public EapClientConfig? EapClient { get; init; }

    /// <summary>
    /// Site tunnel (initiator): ask HQ for its DNS servers and domains in IKE_AUTH (a CFG_REQUEST, RFC 7296 §3.15), for the
    /// LAN's DNS forwarder. strongSwan hands out attributes only together with a virtual IP from a pool (its attribute
    /// providers skip a peer without one), so the request names INTERNAL_IP4_ADDRESS too; the box does not use that
    /// address: its own traffic to HQ leaves from its LAN address, which the tunnel's selectors already cover.
    /// </summary>
    public bool RequestDns { get; init; }

    /// <summary>This tunnel's rekey and life times; null: the engine's <see cref="IkeEngineOptions"/>.</summary>
    public SaLifetimes? Lifetimes { get; init; }

    /// <summary>
    /// strongSwan AH proposal strings (RFC 4302), e.g. "sha256", "sha384-ecp384", "sha256-esn". The Child SA uses AH
    /// when <see cref="EspProposals"/> is empty and this is not; one protocol per Child SA, as strongSwan does.
    /// </summary>
    public IReadOnlyList<string> AhProposals { get; init; } = [];

    /// <summary>The protocol of this tunnel's Child SAs.</summary>
    public Messages.ProtocolId ChildProtocol => EspProposals.Count == 0 && AhProposals.Count > 0 ? Messages.ProtocolId.Ah : Messages.ProtocolId.Esp;

    /// <summary>The configured Child SA proposals of <see cref="ChildProtocol"/>, parsed.</summary>
    internal List<Crypto.ProposalSpec> ParseChildProposals() => ChildProtocol == Messages.ProtocolId.Ah
        ? AhProposals.Select(Crypto.ProposalParser.ParseAh).ToList()
        : EspProposals.Select(Crypto.ProposalParser.ParseEsp).ToList();

    // The PSK is a secret: keep it out of ToString (records print every member by default).
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name)
            .Append(", LocalAddress = ").Append(LocalAddress?.ToString() ?? "%any")
            .Append(", RemoteAddress = ").Append(RemoteAddress?.ToString() ?? "%any")
            .Append(", LocalId = ").Append(LocalId)
            .Append(", RemoteId = ").Append(RemoteId)
            .Append(Certificate is null ? ", Psk = <hidden>" : ", Certificate = " + Certificate)
            .Append(", LocalTs = ").Append(string.Join(' ', LocalTs))
            .Append(", RemoteTs = ").Append(string.Join(' ', RemoteTs))
            .Append(", IkeProposals = ").Append(string.Join(',', IkeProposals))
            .Append(", EspProposals = ").Append(string.Join(',', EspProposals))
            .Append(", AhProposals = ").Append(string.Join(',', AhProposals))
            .Append(", Start = ").Append(Start)
            .Append(", Mode = ").Append(Mode)
            .Append(", ForceUdpEncapsulation = ").Append(ForceUdpEncapsulation);
        if (RemoteAccess is not null) builder.Append(", RemoteAccess = ").Append(RemoteAccess);
        if (EapClient is not null) builder.Append(", EapClient = ").Append(EapClient);
        return true;
    }
}
