using System.Net;
using System.Net.Sockets;
using Appliance.Ike;
using Appliance.Ike.Crypto;

namespace Appliance.Configuration;

/// <summary>
/// Checks the bound options at start. Every message names the configuration key in the colon syntax
/// an operator can paste into `SET` or an environment variable, so a bad file is fixed in one go.
/// </summary>
public static class ApplianceOptionsValidator
{
    private static readonly string[] Boards = ["rpi4", "rpi5", "cm4", "simulated"];
    private static readonly string[] StartActions = ["always", "trap", "none"];
    private static readonly string[] Modes = ["tunnel", "transport"];
    private static readonly string[] Encapsulations = ["auto", "udp", "none"];
    private static readonly string[] AuthMethods = ["psk", "cert"];
    private static readonly string[] DpdActions = ["restart", "clear", "trap"];

    public static IReadOnlyList<string> Validate(ApplianceOptions options)
    {
        var errors = new List<string>();
        const string root = ApplianceOptions.SectionName;
        OneOf(errors, $"{root}:Board", options.Board, Boards);
        if (string.IsNullOrWhiteSpace(options.StateDirectory) || !Path.IsPathRooted(options.StateDirectory))
            errors.Add($"{root}:StateDirectory: must be an absolute path (got '{options.StateDirectory}')");
        if (options.Ike.Port is < 1 or > 65535)
            errors.Add($"{root}:Ike:Port: must be 1-65535 (got {options.Ike.Port})");
        if (options.Ike.NatTraversalPort is < 1 or > 65535 || options.Ike.NatTraversalPort == options.Ike.Port)
            errors.Add($"{root}:Ike:NatTraversalPort: must be 1-65535 and differ from Ike:Port (got {options.Ike.NatTraversalPort})");
        if (options.Ike.RetransmitTries is < 1 or > 20)
            errors.Add($"{root}:Ike:RetransmitTries: must be 1-20 (got {options.Ike.RetransmitTries})");
        if (options.Ike.CookieThreshold is < 0 or > 100_000)
            errors.Add($"{root}:Ike:CookieThreshold: {options.Ike.CookieThreshold} is outside 0..100000 (0: cookies always)");
        if (options.Ike.HalfOpenLimit is < 1 or > 100_000)
            errors.Add($"{root}:Ike:HalfOpenLimit: {options.Ike.HalfOpenLimit} is outside 1..100000");
        if (options.Ike.HalfOpenPerSource < 1 || options.Ike.HalfOpenPerSource > options.Ike.HalfOpenLimit)
            errors.Add($"{root}:Ike:HalfOpenPerSource: {options.Ike.HalfOpenPerSource} is outside 1..HalfOpenLimit ({options.Ike.HalfOpenLimit})");
        if (options.Ike.RetransmitTimeout <= TimeSpan.Zero)
            errors.Add($"{root}:Ike:RetransmitTimeout: must be positive (got {options.Ike.RetransmitTimeout})");
        if (options.Ike.FragmentSize is < 576 or > 65535)
            errors.Add($"{root}:Ike:FragmentSize: must be 576-65535 (got {options.Ike.FragmentSize})");
        if (options.Ike.RekeyTime is { } rekey && rekey != TimeSpan.Zero && rekey < TimeSpan.FromSeconds(10))
            errors.Add($"{root}:Ike:RekeyTime: at least 00:00:10, or 00:00:00 for off (got {rekey})");
        if (options.Ike.IkeRekeyTime is { } ikeRekey && ikeRekey != TimeSpan.Zero && ikeRekey < TimeSpan.FromSeconds(10))
            errors.Add($"{root}:Ike:IkeRekeyTime: at least 00:00:10, or 00:00:00 for off (got {ikeRekey})");
        if (options.Wan.Address is { } wanAddress)
        {
            if (!IPAddress.TryParse(wanAddress, out var wanIp))
                errors.Add($"{root}:Wan:Address: '{wanAddress}' is not an IP address");
            else if (wanIp.AddressFamily == AddressFamily.InterNetworkV6)
                errors.Add($"{root}:Wan:Address: '{wanAddress}' is IPv6; {WanIsIpv4}");
        }

        if (options.Wan.Mtu is { } wanMtu && wanMtu is < 576 or > 9216)
            errors.Add($"{root}:Wan:Mtu: {wanMtu} is outside 576..9216 (leave it out to follow the interface's MTU)");
        ValidateLanAddresses(errors, root, options);
        if (options.Lan.Mtu is not null)
            errors.Add($"{root}:Lan:Mtu: only the WAN has an MTU setting (the tunnel MTU comes from the WAN)");

        if (options.Dhcp.Enabled) LanServices.DhcpSettingsFactory.Build(options, errors);
        if (options.Dns.Enabled) LanServices.DnsSettingsFactory.Build(options, errors);
        if (options.Dns.ExclusionGrace < TimeSpan.Zero || options.Dns.ExclusionGrace > TimeSpan.FromDays(1))
            errors.Add($"{root}:Dns:ExclusionGrace: {options.Dns.ExclusionGrace} is outside 0..1.00:00:00");

        foreach (var (name, tunnel) in options.Tunnels)
        {
            ValidateTunnel(errors, $"{root}:Tunnels:{name}", tunnel, options.StateDirectory, options.Dns.Enabled);
            RemoteAccessRules.ValidateTunnel(errors, $"{root}:Tunnels:{name}", tunnel, options.Users);
        }
        RemoteAccessRules.ValidateUsers(errors, options.Users);
        L2tpRules.Validate(errors, options);
        return errors;
    }

    private static void ValidateLanAddresses(List<string> errors, string root, ApplianceOptions options)
    {
        if (options.Wan.Address6 is not null)
            errors.Add($"{root}:Wan:Address6: only the LAN has an IPv6 address setting ({WanIsIpv4})");
        if (options.Lan.Address is { } lan)
        {
            if (!Common.InterfaceAddress.TryParse(lan, out var a) || a.Address.AddressFamily != AddressFamily.InterNetwork || a.PrefixLength > 30)
                errors.Add($"{root}:Lan:Address: '{lan}' is not an IPv4 address with a prefix length of 1-30, e.g. 192.168.1.1/24");
            else if (a.Address.Equals(a.Network.BaseAddress) || a.Address.Equals(a.Ipv4Broadcast))
                errors.Add($"{root}:Lan:Address: '{lan}' is the network or broadcast address of its subnet; use a host address, e.g. 192.168.1.1/24");
            else if (options.Lan.Interface is null)
                errors.Add($"{root}:Lan:Address: set Appliance:Lan:Interface too (the address goes on that interface)");
        }
        if (options.Lan.Address6 is { } lan6
            && (!Common.InterfaceAddress.TryParse(lan6, out var b) || b.Address.AddressFamily != AddressFamily.InterNetworkV6
                || b.Address.IsIPv6LinkLocal || b.Address.IsIPv6Multicast))
            errors.Add($"{root}:Lan:Address6: '{lan6}' is not a global or unique-local IPv6 address with a prefix length, e.g. fd00:1::1/64");
    }

    // IPv6 inside the tunnel is carried; the outer side is not: IKE binds the WAN's IPv4 address and raw ESP is IPv4.
    private const string WanIsIpv4 = "the box runs IKE and ESP over IPv4 on the WAN (IPv6 traffic inside the tunnel is fine)";

    private static void ValidateTunnel(List<string> errors, string key, TunnelOptions t, string stateDirectory, bool dnsEnabled)
    {
        if (string.IsNullOrWhiteSpace(t.RemoteAddress))
            errors.Add($"{key}:RemoteAddress: required (an IP address, or %any for a responder-only tunnel)");
        else if (t.RemoteAddress != "%any")
        {
            // One address, a host name, or several gateways separated by commas ("gw1.example.com, 198.51.100.7").
            var gateways = Ike.GatewayList.Parse(t.RemoteAddress)!;
            if (gateways.Count == 0) errors.Add($"{key}:RemoteAddress: required (an IP address, a host name, a comma-separated list of them, or %any)");
            foreach (string gateway in gateways)
            {
                if (IPAddress.TryParse(gateway, out var remote))
                {
                    if (remote.AddressFamily == AddressFamily.InterNetworkV6)
                        errors.Add($"{key}:RemoteAddress: '{gateway}' is IPv6; {WanIsIpv4}");
                }
                else if (gateway == "%any")
                    errors.Add($"{key}:RemoteAddress: %any stands alone, not in a list of gateways");
                else if (!Common.TextShape.IsHostName(gateway))
                    errors.Add($"{key}:RemoteAddress: '{gateway}' is neither an IP address nor a host name");
            }
            if (gateways.Distinct(StringComparer.OrdinalIgnoreCase).Count() != gateways.Count)
                errors.Add($"{key}:RemoteAddress: a gateway is listed twice");
            if (Ike.GatewayList.NeedsSelection(gateways) && t.Mode == "transport")
                errors.Add($"{key}:RemoteAddress: a transport-mode tunnel protects one host: give its address, not a list or a name");
        }
        // With certificates LocalId may be left out: it defaults to the certificate's first dNSName (checked below).
        if (string.IsNullOrWhiteSpace(t.LocalId) && t.Auth != "cert") errors.Add($"{key}:LocalId: required");
        // A remote-access tunnel accepts any client identity (%any) unless one is set: users are told apart by EAP.
        if (string.IsNullOrWhiteSpace(t.RemoteId) && !RemoteAccessRules.IsRemoteAccess(t)) errors.Add($"{key}:RemoteId: required");

        OneOf(errors, $"{key}:Auth", t.Auth, AuthMethods);
        if (t.Auth == "psk")
        {
            bool inline = !string.IsNullOrEmpty(t.Psk), file = !string.IsNullOrEmpty(t.PskFile);
            if (inline == file)
                errors.Add($"{key}:Psk: set exactly one of Psk and PskFile for Auth psk");
            else if (file && !File.Exists(t.PskFile))
                errors.Add($"{key}:PskFile: '{t.PskFile}' does not exist");
        }
        else if (t.Auth == "cert")
        {
            if (!string.IsNullOrEmpty(t.Psk) || !string.IsNullOrEmpty(t.PskFile))
                errors.Add($"{key}:Psk: Auth cert uses no pre-shared key; remove Psk/PskFile or set Auth psk");
            // A bad StateDirectory is already reported; the default files live below it.
            IkeCertificateCredential? credential = string.IsNullOrWhiteSpace(stateDirectory) || !Path.IsPathRooted(stateDirectory)
                ? null : CertificateFiles.Load(key, t, stateDirectory, errors);
            if (credential is not null && string.IsNullOrWhiteSpace(t.LocalId) && CertificateFiles.DefaultLocalId(credential) is null)
                errors.Add($"{key}:LocalId: required, the certificate '{credential.Certificate.Subject}' has no dNSName to default to");
            credential?.PrivateKey?.Dispose();
            credential?.Ed25519?.Dispose();
        }

        Selectors(errors, $"{key}:LocalTs", t.LocalTs);
        // A remote-access tunnel's RemoteTs defaults to its pools.
        Selectors(errors, $"{key}:RemoteTs", t.RemoteTs, allowEmpty: RemoteAccessRules.IsRemoteAccess(t));
        Selectors(errors, $"{key}:Bypass", t.Bypass, allowEmpty: true);
        var (_, excludedDomains) = ExclusionList.Parse(t, key, errors);
        // The box learns an excluded domain's addresses from the answers its forwarder gives the LAN.
        if (excludedDomains.Count > 0 && !dnsEnabled)
            errors.Add($"{key}:Exclude: domains need the box's DNS forwarder (Appliance:Dns:Enabled true, and the LAN using it)");
        if (t.Exclude.Count > 0 && (t.Mode == "transport" || RemoteAccessRules.IsRemoteAccess(t)))
            errors.Add($"{key}:Exclude: only a site tunnel (tunnel mode, not remote access) has an exclusion list");

        // A remote-access tunnel without proposals offers its client profile's (ClientProfiles): what stock clients send.
        bool profileDefaults = RemoteAccessRules.IsRemoteAccess(t);
        if (t.Ike.Count == 0 && !profileDefaults) errors.Add($"{key}:Ike: at least one IKE proposal is required, e.g. aes256gcm16-prfsha256-curve25519");
        for (int i = 0; i < t.Ike.Count; i++)
            NotWeak(errors, $"{key}:Ike:{i}", t.Ike[i], Proposal(errors, $"{key}:Ike:{i}", t.Ike[i], ProposalParser.ParseIke));
        // A Child SA is ESP or AH (RFC 4302), never both: one protocol per Child SA, as strongSwan does.
        if (t.Esp.Count == 0 && t.Ah.Count == 0 && !profileDefaults)
            errors.Add($"{key}:Esp: at least one ESP (or, for an AH tunnel, Ah) proposal is required, e.g. aes256gcm16");
        if (t.Esp.Count > 0 && t.Ah.Count > 0)
            errors.Add($"{key}:Ah: set Esp or Ah, not both (a Child SA uses one protocol); for AH set \"Esp\": []");
        for (int i = 0; i < t.Esp.Count; i++)
        {
            ProposalSpec? esp = Proposal(errors, $"{key}:Esp:{i}", t.Esp[i], ProposalParser.ParseEsp);
            NotWeak(errors, $"{key}:Esp:{i}", t.Esp[i], esp);
            Installable(errors, $"{key}:Esp:{i}", t.Esp[i], esp);
        }
        for (int i = 0; i < t.Ah.Count; i++)
            Installable(errors, $"{key}:Ah:{i}", t.Ah[i], Proposal(errors, $"{key}:Ah:{i}", t.Ah[i], ProposalParser.ParseAh));
        // RFC 3948 UDP-encapsulates ESP only, and AH's ICV covers the outer addresses a NAT rewrites.
        if (t.Ah.Count > 0 && t.Encapsulation == "udp")
            errors.Add($"{key}:Encapsulation: 'udp' applies to ESP only (RFC 3948); AH needs 'auto' and a path without NAT");

        OneOf(errors, $"{key}:Start", t.Start, StartActions);
        OneOf(errors, $"{key}:Mode", t.Mode, Modes);
        OneOf(errors, $"{key}:Encapsulation", t.Encapsulation, Encapsulations);
        if (t.DpdAction is not null) OneOf(errors, $"{key}:DpdAction", t.DpdAction, DpdActions);
        TunnelLifetimeRules.Validate(errors, key, t);
        if (t.RemoteAddress == "%any" && t.Start == "always")
            errors.Add($"{key}:Start: 'always' needs a RemoteAddress to initiate to; use 'none' with %any");
    }

    private static ProposalSpec? Proposal(List<string> errors, string key, string text, Func<string, ProposalSpec> parse)
    {
        try { return parse(text); }
        catch (FormatException e) { errors.Add($"{key}: {e.Message}"); }
        catch (ArgumentException e) { errors.Add($"{key}: {e.Message}"); }
        return null;
    }

    /// <summary>
    /// SHA-1 and MODP-1024 (RFC 8247 §2.4, §3.3) only ever come from the weak Windows profile, which names itself: a
    /// configured proposal with them is refused, so nobody weakens a tunnel by copying an old proposal string.
    /// </summary>
    private static void NotWeak(List<string> errors, string key, string text, ProposalSpec? spec)
    {
        if (spec is null) return;
        if (spec.Integrity.Any(TransformRegistry.IsWeak) || spec.Prf.Any(TransformRegistry.IsWeak) || spec.Dh.Any(TransformRegistry.IsWeak))
            errors.Add($"{key}: '{text}': SHA-1 and MODP-1024 are refused; for Windows' stock client set ClientProfile " +
                       $"{Ike.ClientProfiles.WeakWindowsStock} on the remote-access tunnel instead");
    }

    /// <summary>
    /// Every combination a Child SA proposal allows must be one the data plane installs: IKE may pick any of them,
    /// and one it cannot install (aes192, say) would bring the tunnel up and carry nothing.
    /// </summary>
    private static void Installable(List<string> errors, string key, string text, ProposalSpec? spec)
    {
        if (spec is null) return;
        IReadOnlyList<IntegrityAlgorithm> integrity = spec.Integrity.Count > 0 ? spec.Integrity : [IntegrityAlgorithm.None];
        if (spec.Encryption.Count == 0)
        {
            foreach (var i in integrity)
                if (!Linux.Sa.InstallableSuites.Ah((int)i))
                    errors.Add($"{key}: '{text}': the data plane does not implement AH integrity {i}");
            return;
        }
        foreach (var (alg, bits) in spec.Encryption)
            foreach (var i in integrity)
                if (!Linux.Sa.InstallableSuites.Esp((int)alg, bits, (int)i))
                    errors.Add($"{key}: '{text}': the data plane does not implement {alg} with {bits}-bit keys" +
                               (i == IntegrityAlgorithm.None ? "" : $" and {i}") + " (supported: aes128gcm16, aes256gcm16, chacha20poly1305, aes128/aes256 with sha256/sha384/sha512)");
    }

    private static void Selectors(List<string> errors, string key, List<string> values, bool allowEmpty = false)
    {
        if (values.Count == 0 && !allowEmpty) errors.Add($"{key}: at least one subnet is required, e.g. 192.168.1.0/24");
        for (int i = 0; i < values.Count; i++)
            if (!IPNetwork.TryParse(values[i], out _))
                errors.Add($"{key}:{i}: '{values[i]}' is not a subnet in CIDR notation");
    }

    private static void OneOf(List<string> errors, string key, string? value, string[] allowed)
    {
        if (value is null || Array.IndexOf(allowed, value) < 0)
            errors.Add($"{key}: '{value}' is not one of {string.Join(", ", allowed)}");
    }
}
