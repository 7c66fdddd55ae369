namespace Appliance.Ike;

/// <summary>Checks a tunnel configuration before the engine accepts it.</summary>
internal static class TunnelValidator
{
    public static void Validate(IkeTunnelConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (string.IsNullOrWhiteSpace(c.Name))
            throw new ArgumentException("tunnel name is empty", nameof(c));
        string at = $"tunnel '{c.Name}': ";
        if (c.LocalId is null || c.RemoteId is null)
            throw new ArgumentException(at + "local and remote identities are required", nameof(c));
        if (c.LocalId.IsAny)
            throw new ArgumentException(at + "local identity cannot be %any", nameof(c));
        if (c.Certificate is null && (c.Psk is null || c.Psk.Length == 0))
            throw new ArgumentException(at + "pre-shared key is empty", nameof(c));
        if (c.LocalTs is null || c.LocalTs.Count == 0 || c.RemoteTs is null || c.RemoteTs.Count == 0)
            throw new ArgumentException(at + "local and remote traffic selectors are required", nameof(c));
        if (c.IkeProposals is null || c.IkeProposals.Count == 0)
            throw new ArgumentException(at + "at least one IKE proposal is required", nameof(c));
        if (c.EspProposals is null || c.AhProposals is null || (c.EspProposals.Count == 0 && c.AhProposals.Count == 0))
            throw new ArgumentException(at + "at least one ESP or AH proposal is required", nameof(c));
        // One protocol per Child SA (strongSwan too): an SA payload mixing ESP and AH proposals asks for either, never both.
        if (c.EspProposals.Count > 0 && c.AhProposals.Count > 0)
            throw new ArgumentException(at + "configure ESP or AH proposals, not both", nameof(c));
        // RFC 3948 encapsulates ESP only; AH protects the outer addresses, which a NAT rewrites (RFC 4302 §3.3.3.1).
        if (c.AhProposals.Count > 0 && c.ForceUdpEncapsulation)
            throw new ArgumentException(at + "AH cannot be UDP-encapsulated (RFC 3948 covers ESP only)", nameof(c));
        if (c.RemoteAddress is null && c.Start == StartAction.Start)
            throw new ArgumentException(at + "a tunnel with remote address %any can only respond (start action none)", nameof(c));
        if (c.LocalAddress is not null && c.RemoteAddress is not null && c.LocalAddress.AddressFamily != c.RemoteAddress.AddressFamily)
            throw new ArgumentException(at + "local and remote addresses are of different families", nameof(c));
        if ((c.RemoteAccess is not null || c.EapClient is not null) && c.Certificate is null)
            throw new ArgumentException(at + "EAP needs certificate authentication of the responder (RFC 7296 §2.16)", nameof(c));
        if (c.RemoteAccess is not null && c.EapClient is not null)
            throw new ArgumentException(at + "a tunnel is a remote-access server or an EAP client, not both", nameof(c));
        if (c.RemoteAccess is { } ra && (ra.Pool4.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || ra.Pool4.PrefixLength > 30))
            throw new ArgumentException(at + "the IPv4 pool must be an IPv4 network of prefix length 30 or shorter", nameof(c));
        if (c.RemoteAccess?.Pool6 is { } six && (six.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || six.PrefixLength > 126))
            throw new ArgumentException(at + "the IPv6 pool must be an IPv6 network of prefix length 126 or shorter", nameof(c));
        ValidateProposals(at, c);
    }

    private static void ValidateProposals(string at, IkeTunnelConfig c)
    {
        foreach (string p in c.IkeProposals)
        {
            try { _ = Crypto.ProposalParser.ParseIke(p); }
            catch (FormatException ex) { throw new ArgumentException(at + "IKE proposal: " + ex.Message, nameof(c), ex); }
        }
        foreach (string p in c.EspProposals)
        {
            try { _ = Crypto.ProposalParser.ParseEsp(p); }
            catch (FormatException ex) { throw new ArgumentException(at + "ESP proposal: " + ex.Message, nameof(c), ex); }
        }
        foreach (string p in c.AhProposals)
        {
            try { _ = Crypto.ProposalParser.ParseAh(p); }
            catch (FormatException ex) { throw new ArgumentException(at + "AH proposal: " + ex.Message, nameof(c), ex); }
        }
    }
}
