using System.Net;
using Appliance.Ike;
using Appliance.Linux;
using Appliance.Ike.Messages;

namespace Appliance.DataPath;

/// <summary>Translates what IKE negotiated into what the data plane installs (the two layers share no types).</summary>
public static class SaInstallMapper
{
    public static SaInstall Map(ChildSaInfo c) => new(
        c.TunnelName,
        c.InboundSpi,
        c.OutboundSpi,
        c.Mode == Ike.IpsecMode.Transport ? Ipsec.IpsecMode.Transport : Ipsec.IpsecMode.Tunnel,
        c.Protocol == ProtocolId.Ah ? SaProtocol.Ah : SaProtocol.Esp,
        c.EncryptionTransformId,
        c.EncryptionKeyBits,
        c.IntegrityTransformId,
        // The data plane takes AEAD keys with their salt appended, as KEYMAT delivers them (RFC 4106 §8.1).
        // Every key is a copy: the data plane wipes what it was given when the SA is removed.
        [.. c.Inbound.EncryptionKey, .. c.Inbound.Salt],
        [.. c.Inbound.IntegrityKey],
        [.. c.Outbound.EncryptionKey, .. c.Outbound.Salt],
        [.. c.Outbound.IntegrityKey],
        c.Esn,
        [.. c.LocalTs.Select(ToNetwork)],
        [.. c.RemoteTs.Select(ToNetwork)],
        c.UdpEncapsulation,
        c.LocalEndpoint,
        c.RemoteEndpoint);

    /// <summary>
    /// A traffic selector is an address range; configured selectors are CIDR blocks, so the range maps
    /// back to a prefix exactly. A range that is no prefix is narrowed to the largest prefix at its start,
    /// never widened: widening would let through traffic the peer did not agree to.
    /// </summary>
    public static IPNetwork ToNetwork(TrafficSelector ts)
    {
        byte[] start = ts.StartAddress.GetAddressBytes(), end = ts.EndAddress.GetAddressBytes();
        int bits = start.Length * 8;
        int prefix = 0;
        while (prefix < bits && Bit(start, prefix) == Bit(end, prefix)) prefix++;
        // Shrink until start's host bits are all 0 and end's host bits are all 1.
        while (prefix < bits && !(HostBitsAre(start, prefix, false) && HostBitsAre(end, prefix, true))) prefix++;
        return new IPNetwork(new IPAddress(start), prefix);
    }

    private static bool Bit(byte[] a, int i) => (a[i / 8] & (0x80 >> (i % 8))) != 0;

    private static bool HostBitsAre(byte[] a, int prefix, bool value)
    {
        for (int i = prefix; i < a.Length * 8; i++)
            if (Bit(a, i) != value) return false;
        return true;
    }
}
