using Appliance.Ipsec;
using Appliance.Ipsec.Ah;
using Appliance.Ipsec.Esp;
using Appliance.Linux.Policy;

namespace Appliance.Linux.Sa;

/// <summary>
/// The outbound half of an installed SA pair: the packet core's ESP or AH SA (tunnel or transport mode), the
/// tunnel MTU it leaves, and where to send. ESP results start at the SPI (the kernel adds the outer
/// IPv4 header); AH results are whole IPv4 packets (the outer header is under the ICV).
/// </summary>
internal sealed class OutboundSa : IDisposable
{
    private readonly EspSa? _esp;
    private readonly AhSa? _ah;

    public OutboundSa(SaInstall sa, int wanMtu, SaCounters counters)
    {
        Install = sa;
        Counters = counters;
        RemoteAddress = sa.Remote.Address.GetAddressBytes();
        int outer = RemoteAddress.Length == 4 ? 20 : 40;
        if (sa.Protocol == SaProtocol.Esp)
        {
            _esp = EspSa.Create(new EspSaParameters
            {
                Spi = sa.OutboundSpi, Direction = SaDirection.Outbound, Mode = sa.Mode,
                Suite = SuiteMap.Esp(sa.EncryptionId, sa.KeyBits, sa.IntegrityId),
                EncryptionKey = sa.OutboundEncryptionKey, IntegrityKey = sa.OutboundIntegrityKey,
                ExtendedSequenceNumbers = sa.ExtendedSequenceNumbers, Lifetime = sa.Lifetime,
            });
            Headroom = _esp.HeaderLength;
            int room = wanMtu - outer - (sa.UdpEncapsulation ? 8 : 0);
            int mtu = room;
            while (mtu > 0 && _esp.GetSealedLength(mtu) > room) mtu--;
            TunnelMtu = mtu;
        }
        else
        {
            _ah = AhSa.Create(new AhSaParameters
            {
                Spi = sa.OutboundSpi, Direction = SaDirection.Outbound, Mode = sa.Mode,
                Integrity = SuiteMap.Ah(sa.IntegrityId), IntegrityKey = sa.OutboundIntegrityKey,
                ExtendedSequenceNumbers = sa.ExtendedSequenceNumbers, Lifetime = sa.Lifetime,
                TunnelSource = sa.Local.Address.GetAddressBytes(), TunnelDestination = RemoteAddress,
            });
            Headroom = _ah.MaxOverhead;
            TunnelMtu = wanMtu - outer - _ah.AhLength(RemoteAddress.Length == 16);
        }
        RemotePrefixes = Prefix.From(sa.RemoteTs);
        LocalPrefixes = Prefix.From(sa.LocalTs);
    }

    public SaInstall Install { get; }
    public SaCounters Counters { get; }
    public byte[] RemoteAddress { get; }
    public Prefix[] RemotePrefixes { get; }
    public Prefix[] LocalPrefixes { get; }
    public int Headroom { get; }
    public int TunnelMtu { get; }

    /// <summary>The data plane's own socket to this SA's NAT-T peer (UDP GSO), once the UDP worker opened it; null: the host sends.</summary>
    public volatile Io.EspUdpSocket? UdpSocket;

    /// <summary>AH output carries its own outer IP header and goes out on the header-included socket.</summary>
    public bool IsAh => _ah != null;

    /// <summary>The result is a whole IP packet (AH, or transport mode) for the header-included socket.</summary>
    public bool IsFullPacket => _ah != null || Install.Mode == IpsecMode.Transport;

    /// <summary>Seals the inner packet at slot[offset..offset+length]; the wire bytes are slot[outOffset..outOffset+outLength].</summary>
    public DataPlaneDropReason Seal(Span<byte> slot, int offset, int length, out int outOffset, out int outLength)
    {
        var reason = _esp == null ? _ah!.Seal(slot, offset, length, out outOffset, out outLength)
            : Install.Mode == IpsecMode.Transport ? EspTransport.Seal(_esp, slot, offset, length, out outOffset, out outLength)
            : _esp.SealTunnel(slot, offset, length, out outOffset, out outLength);
        if (reason == DropReason.None)
        {
            Counters.CountOut(length);
            if (SoftLifetime.Armed && SoftLifetimeReached) SoftLifetime.Fire();
        }
        return SuiteMap.Drop(reason);
    }

    /// <summary>
    /// Seals an upper-layer payload of the box's own (a local service's datagram) with this transport-mode ESP SA: the
    /// result starts at the SPI, for the raw ESP socket (the kernel adds the IP header) or for ESP-in-UDP.
    /// </summary>
    public DataPlaneDropReason SealPayload(Span<byte> slot, int offset, int length, byte nextHeader, out int outOffset, out int outLength)
    {
        outOffset = outLength = 0;
        if (_esp == null) return DataPlaneDropReason.PolicyDiscard;
        DropReason reason;
        lock (_esp) reason = _esp.Seal(slot, offset, length, nextHeader, out outOffset, out outLength);
        if (reason == DropReason.None)
        {
            Counters.CountOut(length);
            if (SoftLifetime.Armed && SoftLifetimeReached) SoftLifetime.Fire();
        }
        return SuiteMap.Drop(reason);
    }

    /// <summary>Tunnel-mode ESP can be sealed later, in parallel, with a number reserved now.</summary>
    public bool CanSealInParallel => _esp != null && Install.Mode == IpsecMode.Tunnel;

    /// <summary>Reserves the next sequence number (in packet order); false when the SA is exhausted.</summary>
    public bool TryReserve(out ulong sequenceNumber) => _esp!.TryReserveSequenceNumbers(1, out sequenceNumber);

    /// <summary>Seals with a reserved number; thread-safe (the packet core's sealing is).</summary>
    public DataPlaneDropReason SealReserved(ulong sequenceNumber, Span<byte> slot, int offset, int length, out int outOffset, out int outLength)
    {
        byte next = slot[offset] >> 4 == 4 ? Ipsec.Packets.IpProtocol.IPv4 : Ipsec.Packets.IpProtocol.IPv6;
        var reason = _esp!.SealWithSequenceNumber(sequenceNumber, slot, offset, length, next, out outOffset, out outLength);
        if (reason == DropReason.None)
        {
            Counters.CountOut(length);
            if (SoftLifetime.Armed && SoftLifetimeReached) SoftLifetime.Fire();
        }
        return SuiteMap.Drop(reason);
    }

    public SoftLifetimeLatch SoftLifetime { get; } = new();

    /// <summary>The soft byte/packet lifetime is reached: time for IKE to rekey.</summary>
    public bool SoftLifetimeReached => _esp?.SoftLifetimeReached ?? _ah!.SoftLifetimeReached;

    public void Dispose()
    {
        _esp?.Dispose();
        _ah?.Dispose();
    }
}
