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
/// <param name="EspProposals">strongSwan ESP proposal strings, e.g. "aes256gcm16", "aes128-sha256-esn".</param>
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
    /// <summary>This tunnel's rekey and life times; null: the engine's <see cref="IkeEngineOptions"/>.</summary>
    public SaLifetimes? Lifetimes { get; init; }

    // The PSK is a secret: keep it out of ToString (records print every member by default).
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name)
            .Append(", LocalAddress = ").Append(LocalAddress?.ToString() ?? "%any")
            .Append(", RemoteAddress = ").Append(RemoteAddress?.ToString() ?? "%any")
            .Append(", LocalId = ").Append(LocalId)
            .Append(", RemoteId = ").Append(RemoteId)
            .Append(", Psk = <hidden>")
            .Append(", LocalTs = ").Append(string.Join(' ', LocalTs))
            .Append(", RemoteTs = ").Append(string.Join(' ', RemoteTs))
            .Append(", IkeProposals = ").Append(string.Join(',', IkeProposals))
            .Append(", EspProposals = ").Append(string.Join(',', EspProposals))
            .Append(", Start = ").Append(Start)
            .Append(", Mode = ").Append(Mode)
            .Append(", ForceUdpEncapsulation = ").Append(ForceUdpEncapsulation);
        return true;
    }
}
