using System.Net;
using System.Text;
using Appliance.Configuration;
using Appliance.Ike;

namespace Appliance.Ike;

/// <summary>Turns validated options into the engine's tunnel configuration.</summary>
public static class TunnelConfigFactory
{
    public static IkeTunnelConfig Create(string name, TunnelOptions t, IPAddress localAddress)
    {
        IPAddress? remote = t.RemoteAddress == "%any" ? null : IPAddress.Parse(t.RemoteAddress!);
        return new IkeTunnelConfig(
            name,
            localAddress,
            remote,
            IkeIdentity.Parse(t.LocalId!),
            IkeIdentity.Parse(t.RemoteId!),
            ReadPsk(t),
            t.LocalTs.Select(TrafficSelector.Parse).ToList(),
            t.RemoteTs.Select(TrafficSelector.Parse).ToList(),
            t.Ike,
            t.Esp,
            t.Start switch { "always" => StartAction.Start, "trap" => StartAction.Trap, _ => StartAction.None },
            t.Mode == "transport" ? IpsecMode.Transport : IpsecMode.Tunnel,
            ForceUdpEncapsulation: t.Encapsulation == "udp")
        {
            AhProposals = t.Ah,
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
