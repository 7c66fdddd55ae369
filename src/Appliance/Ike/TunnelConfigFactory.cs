using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Appliance.Configuration;
using Appliance.Ike;

namespace Appliance.Ike;

/// <summary>Turns validated options into the engine's tunnel configuration.</summary>
public static class TunnelConfigFactory
{
    /// <param name="stateDirectory">Where the provisioned identity (device.crt, device.key, ca.crt) lives, for Auth cert.</param>
    /// <param name="users">Remote-access users (Appliance:Users), for a tunnel with RemoteAuth eap-mschapv2.</param>
    /// <param name="gateway">The HQ gateway in use when RemoteAddress lists several or names one.</param>
    public static IkeTunnelConfig Create(string name, TunnelOptions t, IPAddress localAddress, string stateDirectory = Common.StateLayout.DefaultStateDirectory,
        IEapUserStore? users = null, IPAddress? gateway = null)
    {
        bool remoteAccess = RemoteAccessRules.IsRemoteAccess(t);
        // A list of gateways (or a name) is resolved and chosen by the IKE service, which passes the one in use.
        IPAddress? remote = gateway ?? (t.RemoteAddress == "%any" ? null : IPAddress.Parse(t.RemoteAddress!));
        IkeCertificateCredential? credential = t.Auth == "cert" ? LoadCredential(name, t, stateDirectory) : null;
        string localId = !string.IsNullOrWhiteSpace(t.LocalId) ? t.LocalId
            : credential is not null ? CertificateFiles.DefaultLocalId(credential) ?? throw new InvalidOperationException($"tunnel '{name}': no LocalId")
            : throw new InvalidOperationException($"tunnel '{name}': no LocalId");
        return new IkeTunnelConfig(
            name,
            localAddress,
            remote,
            IkeIdentity.Parse(localId),
            IkeIdentity.Parse(string.IsNullOrWhiteSpace(t.RemoteId) && remoteAccess ? "%any" : t.RemoteId!),
            credential is null ? ReadPsk(t) : [],
            t.LocalTs.Select(TrafficSelector.Parse).ToList(),
            (t.RemoteTs.Count == 0 && remoteAccess ? RemoteAccessRules.DefaultRemoteTs(t) : t.RemoteTs).Select(TrafficSelector.Parse).ToList(),
            remoteAccess ? ClientProfiles.Ike(t.Ike, t.ClientProfile) : t.Ike,
            remoteAccess && t.Ah.Count == 0 ? ClientProfiles.Esp(t.Esp, t.ClientProfile) : t.Esp,
            t.Start switch { "always" => StartAction.Start, "trap" => StartAction.Trap, _ => StartAction.None },
            t.Mode == "transport" ? IpsecMode.Transport : IpsecMode.Tunnel,
            ForceUdpEncapsulation: t.Encapsulation == "udp")
        {
            AhProposals = t.Ah,
            Certificate = credential,
            RemoteAccess = remoteAccess ? RemoteAccessRules.Create(t, users ?? new EapUserStore()) : null,
        };
    }

    // The files are read once per bound tunnel configuration: re-creating the tunnel (the WAN address changed) must not
    // depend on them still being readable, and the key is parsed once.
    private static readonly ConditionalWeakTable<TunnelOptions, IkeCertificateCredential> Credentials = new();

    private static IkeCertificateCredential LoadCredential(string name, TunnelOptions t, string stateDirectory)
    {
        lock (Credentials)
        {
            if (Credentials.TryGetValue(t, out IkeCertificateCredential? cached))
                return cached;
            var errors = new List<string>();
            IkeCertificateCredential credential = CertificateFiles.Load($"{ApplianceOptions.SectionName}:Tunnels:{name}", t, stateDirectory, errors)
                ?? throw new InvalidOperationException(string.Join("; ", errors));
            Credentials.Add(t, credential);
            return credential;
        }
    }

    private static byte[] ReadPsk(TunnelOptions t)
    {
        if (!string.IsNullOrEmpty(t.Psk)) return Encoding.UTF8.GetBytes(t.Psk);
        // A PSK file holds the secret on its first line; a trailing newline is not part of it.
        string text = File.ReadAllText(t.PskFile!);
        return Encoding.UTF8.GetBytes(text.TrimEnd('\r', '\n'));
    }
}
