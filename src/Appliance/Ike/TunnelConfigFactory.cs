using System.Net;
using System.Text;
using Appliance.Configuration;
using Appliance.Ike;

namespace Appliance.Ike;

/// <summary>Turns validated options into the engine's tunnel configuration.</summary>
public static class TunnelConfigFactory
{
    /// <param name="stateDirectory">Where the provisioned identity (device.crt, device.key, ca.crt) lives, for Auth cert.</param>
    public static IkeTunnelConfig Create(string name, TunnelOptions t, IPAddress localAddress, string stateDirectory = Common.StateLayout.DefaultStateDirectory)
    {
        IPAddress? remote = t.RemoteAddress == "%any" ? null : IPAddress.Parse(t.RemoteAddress!);
        IkeCertificateCredential? credential = null;
        if (t.Auth == "cert")
        {
            var errors = new List<string>();
            credential = CertificateFiles.Load($"{ApplianceOptions.SectionName}:Tunnels:{name}", t, stateDirectory, errors)
                ?? throw new InvalidOperationException(string.Join("; ", errors));
        }
        string localId = !string.IsNullOrWhiteSpace(t.LocalId) ? t.LocalId
            : credential is not null ? CertificateFiles.DefaultLocalId(credential) ?? throw new InvalidOperationException($"tunnel '{name}': no LocalId")
            : throw new InvalidOperationException($"tunnel '{name}': no LocalId");
        return new IkeTunnelConfig(
            name,
            localAddress,
            remote,
            IkeIdentity.Parse(localId),
            IkeIdentity.Parse(t.RemoteId!),
            credential is null ? ReadPsk(t) : [],
            t.LocalTs.Select(TrafficSelector.Parse).ToList(),
            t.RemoteTs.Select(TrafficSelector.Parse).ToList(),
            t.Ike,
            t.Esp,
            t.Start switch { "always" => StartAction.Start, "trap" => StartAction.Trap, _ => StartAction.None },
            t.Mode == "transport" ? IpsecMode.Transport : IpsecMode.Tunnel,
            ForceUdpEncapsulation: t.Encapsulation == "udp")
        {
            AhProposals = t.Ah,
            Certificate = credential,
        };
    }

    private static byte[] ReadPsk(TunnelOptions t)
    {
        if (!string.IsNullOrEmpty(t.Psk)) return Encoding.UTF8.GetBytes(t.Psk);
        // A PSK file holds the secret on its first line; a trailing newline is not part of it.
        string text = File.ReadAllText(t.PskFile!);
        return Encoding.UTF8.GetBytes(text.TrimEnd('\r', '\n'));
    }
}
