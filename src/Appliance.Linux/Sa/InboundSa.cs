using Appliance.Ipsec;
using Appliance.Ipsec.Ah;
using Appliance.Ipsec.Esp;
using Appliance.Linux.Policy;

namespace Appliance.Linux.Sa;

/// <summary>
/// The inbound half of an installed SA pair: opens ESP (from the SPI on) or AH (whole IP packet),
/// one thread at a time because ESP may arrive both on the raw socket thread and from the host's
/// UDP 4500 socket, and the replay window is not thread-safe.
/// </summary>
internal sealed class InboundSa : IDisposable
{
    private readonly EspSa? _esp;
    private readonly AhSa? _ah;
    private readonly Lock _gate = new();

    public InboundSa(SaInstall sa, SaCounters counters)
    {
        Install = sa;
        Counters = counters;
        if (sa.Protocol == SaProtocol.Esp)
        {
            _esp = EspSa.Create(new EspSaParameters
            {
                Spi = sa.InboundSpi, Direction = SaDirection.Inbound, Mode = sa.Mode,
                Suite = SuiteMap.Esp(sa.EncryptionId, sa.KeyBits, sa.IntegrityId),
                EncryptionKey = sa.InboundEncryptionKey, IntegrityKey = sa.InboundIntegrityKey,
                ExtendedSequenceNumbers = sa.ExtendedSequenceNumbers, Lifetime = sa.Lifetime, ReplayWindowSize = sa.ReplayWindow,
            });
        }
        else
        {
            _ah = AhSa.Create(new AhSaParameters
            {
                Spi = sa.InboundSpi, Direction = SaDirection.Inbound, Mode = sa.Mode,
                Integrity = SuiteMap.Ah(sa.IntegrityId), IntegrityKey = sa.InboundIntegrityKey,
                ExtendedSequenceNumbers = sa.ExtendedSequenceNumbers, Lifetime = sa.Lifetime, ReplayWindowSize = sa.ReplayWindow,
            });
        }
        LocalPrefixes = Prefix.From(sa.LocalTs);
        RemotePrefixes = Prefix.From(sa.RemoteTs);
    }

    public SaInstall Install { get; }
    public SaCounters Counters { get; }
    public Prefix[] LocalPrefixes { get; }
    public Prefix[] RemotePrefixes { get; }
    public bool IsAh => _ah != null;

    private OutboundSa? _pendingOutbound;

    /// <summary>The outbound half of this pair while it waits for the peer (<see cref="SaInstall.DeferOutbound"/>).</summary>
    public OutboundSa? PendingOutbound
    {
        get => Volatile.Read(ref _pendingOutbound);
        set => Volatile.Write(ref _pendingOutbound, value);
    }

    /// <summary>ESP starting at the SPI; on success the inner packet is esp[offset..offset+length].</summary>
    public DataPlaneDropReason OpenEsp(Span<byte> esp, out int offset, out int length)
    {
        offset = length = 0;
        if (_esp == null) return DataPlaneDropReason.UnknownSpi;
        DropReason reason;
        EspOpenResult result;
        lock (_gate) reason = _esp.Open(esp, out result);
        offset = result.PayloadOffset;
        length = result.PayloadLength;
        return Checked(reason);
    }

    /// <summary>
    /// ESP starting at the SPI, for an SA whose payload is the box's own (a local service's transport SA): on success the
    /// upper-layer payload (e.g. a UDP datagram) is esp[offset..offset+length] and <paramref name="nextHeader"/> says what it is.
    /// </summary>
    public DataPlaneDropReason OpenEspPayload(Span<byte> esp, out int offset, out int length, out byte nextHeader)
    {
        offset = length = 0;
        nextHeader = 0;
        if (_esp == null) return DataPlaneDropReason.UnknownSpi;
        DropReason reason;
        EspOpenResult result;
        lock (_gate) reason = _esp.Open(esp, out result);
        offset = result.PayloadOffset;
        length = result.PayloadLength;
        nextHeader = result.NextHeader;
        return Checked(reason);
    }

    /// <summary>Transport mode: a whole IP packet carrying ESP; on success the restored packet is packet[offset..offset+length].</summary>
    public DataPlaneDropReason OpenEspTransport(Span<byte> packet, out int offset, out int length)
    {
        offset = length = 0;
        if (_esp == null) return DataPlaneDropReason.UnknownSpi;
        DropReason reason;
        lock (_gate) reason = EspTransport.Open(_esp, packet, 0, packet.Length, out offset, out length);
        return Checked(reason);
    }

    /// <summary>A whole IP packet carrying AH; on success the inner packet is packet[offset..offset+length].</summary>
    public DataPlaneDropReason OpenAh(Span<byte> packet, out int offset, out int length)
    {
        offset = length = 0;
        if (_ah == null) return DataPlaneDropReason.UnknownSpi;
        DropReason reason;
        AhOpenResult result;
        lock (_gate) reason = _ah.Open(packet, 0, packet.Length, out result);
        offset = result.Offset;
        length = result.Length;
        return Checked(reason);
    }

    public SoftLifetimeLatch SoftLifetime { get; } = new();

    private DataPlaneDropReason Checked(DropReason reason)
    {
        if (reason == DropReason.None && SoftLifetime.Armed && SoftLifetimeReached) SoftLifetime.Fire();
        return SuiteMap.Drop(reason);
    }

    /// <summary>The soft byte/packet lifetime is reached: time for IKE to rekey.</summary>
    public bool SoftLifetimeReached => _esp?.SoftLifetimeReached ?? _ah!.SoftLifetimeReached;

    public void Dispose()
    {
        _esp?.Dispose();
        _ah?.Dispose();
    }
}
