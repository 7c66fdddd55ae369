using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Packets;

namespace Appliance.Ipsec.Ah;

/// <summary>Where the result of opening an AH packet lies in the caller's buffer.</summary>
public readonly record struct AhOpenResult(int Offset, int Length, byte NextHeader, ulong SequenceNumber);

/// <summary>
/// One AH Security Association (RFC 4302) with HMAC-SHA-2 (RFC 4868), tunnel or transport mode,
/// IPv4 and IPv6, working in place in caller-owned buffers.
/// <para>
/// Transport mode: the packet is an IP packet; AH is inserted after its header (the header moves
/// into the headroom, <see cref="MaxOverhead"/> bytes). Tunnel mode: the packet is the inner IP packet;
/// an outer header built from <see cref="AhSaParameters.TunnelSource"/>/<c>TunnelDestination</c> and AH
/// are written in the headroom. IPv6 extension headers before AH and IP fragments are refused with
/// <see cref="DropReason.UnsupportedHeader"/>.
/// </para>
/// <para>Threads: sealing is thread-safe; opening is one thread at a time per inbound SA (replay window).</para>
/// </summary>
public sealed class AhSa : IDisposable
{
    private const int FixedLength = 12;

    private readonly IncrementalHash _hmac;
    private readonly Lock _hmacLock = new();
    private readonly SequenceCounter? _sequence;
    private readonly ReplayWindow? _replay;
    private readonly IpsecCounters _global;
    private readonly SaLifetime _lifetime;
    private readonly byte[]? _tunnelSource;
    private readonly byte[]? _tunnelDestination;

    private AhSa(AhSaParameters p)
    {
        if (p.IntegrityKey.Length != Hmac.KeyLength(p.Integrity))
            throw new ArgumentException($"{p.Integrity} needs a {Hmac.KeyLength(p.Integrity)}-byte key.");
        if (p.Spi < 256)
            throw new ArgumentOutOfRangeException(nameof(p), "SPI values 0-255 are reserved (RFC 4302 §2.4).");
        if (p.Mode == IpsecMode.Tunnel && p.Direction == SaDirection.Outbound
            && (p.TunnelSource is not { Length: 4 or 16 } || p.TunnelDestination?.Length != p.TunnelSource.Length))
            throw new ArgumentException("Outbound tunnel-mode AH needs tunnel source and destination of one family.");
        Spi = p.Spi;
        Direction = p.Direction;
        Mode = p.Mode;
        Integrity = p.Integrity;
        ExtendedSequenceNumbers = p.ExtendedSequenceNumbers;
        _hmac = IncrementalHash.CreateHMAC(Hmac.HashName(p.Integrity), p.IntegrityKey);
        _lifetime = p.Lifetime;
        _global = p.GlobalCounters ?? IpsecCounters.Global;
        _tunnelSource = p.TunnelSource?.ToArray();
        _tunnelDestination = p.TunnelDestination?.ToArray();
        if (p.Direction == SaDirection.Outbound)
            _sequence = new SequenceCounter(p.ExtendedSequenceNumbers, p.InitialSequenceNumber);
        else
            _replay = new ReplayWindow(p.ReplayWindowSize, p.ExtendedSequenceNumbers);
    }

    public static AhSa Create(AhSaParameters parameters) => new(parameters ?? throw new ArgumentNullException(nameof(parameters)));

    public uint Spi { get; }
    public SaDirection Direction { get; }
    public IpsecMode Mode { get; }
    public IntegrityAlgorithm Integrity { get; }
    public bool ExtendedSequenceNumbers { get; }
    public IpsecCounters Counters { get; } = new();
    public ulong LastSequenceNumber => _sequence?.Last ?? 0;
    public bool IsSequenceExhausted => _sequence?.IsExhausted ?? false;
    /// <summary>A soft byte/packet limit has been reached, or sequence numbers are running out: time to rekey.</summary>
    public bool SoftLifetimeReached => _lifetime.SoftReached(Counters.Bytes, Counters.Packets) || (_sequence?.IsNearExhaustion ?? false);

    public int IcvLength => Hmac.IcvLength(Integrity);

    /// <summary>AH header length: 12 + ICV, padded to 4 bytes (IPv4) or 8 bytes (IPv6) (RFC 4302 §2.6).</summary>
    public int AhLength(bool ipv6)
    {
        int raw = FixedLength + IcvLength;
        int align = ipv6 ? 8 : 4;
        return (raw + align - 1) / align * align;
    }

    /// <summary>Headroom that always suffices before the packet: outer IPv6 header (tunnel) plus AH.</summary>
    public int MaxOverhead => (Mode == IpsecMode.Tunnel ? IPv6Header.Length : 0) + AhLength(ipv6: true);

    public bool TryReserveSequenceNumbers(int count, out ulong first)
    {
        if (_sequence is null)
            throw new InvalidOperationException("Only outbound SAs assign sequence numbers.");
        return _sequence.TryReserve(count, out first);
    }

    /// <summary>Protects the packet at <paramref name="packetOffset"/>; the result starts at <paramref name="outOffset"/>.</summary>
    public DropReason Seal(Span<byte> buffer, int packetOffset, int packetLength, out int outOffset, out int outLength)
    {
        outOffset = 0;
        outLength = 0;
        if (_sequence is null)
            return Drop(DropReason.WrongDirection);
        if (_lifetime.HardReached(Counters.Bytes, Counters.Packets))
            return Drop(DropReason.LifetimeExpired);
        if ((uint)packetOffset > (uint)buffer.Length || (uint)packetLength > (uint)(buffer.Length - packetOffset))
            return Drop(DropReason.NoBufferSpace);
        Span<byte> packet = buffer.Slice(packetOffset, packetLength);
        if (!IpPacket.TryGetLength(packet, out int ipLength) || ipLength != packetLength)
            return Drop(DropReason.BadIpHeader);
        if (!_sequence.TryReserve(1, out ulong sequenceNumber))
            return Drop(DropReason.SequenceNumberExhausted);

        return Mode == IpsecMode.Tunnel
            ? SealTunnel(buffer, packetOffset, packetLength, sequenceNumber, out outOffset, out outLength)
            : SealTransport(buffer, packetOffset, packetLength, sequenceNumber, out outOffset, out outLength);
    }

    private DropReason SealTransport(Span<byte> buffer, int packetOffset, int packetLength, ulong sequenceNumber, out int outOffset, out int outLength)
    {
        outOffset = 0;
        outLength = 0;
        ReadOnlySpan<byte> packet = buffer.Slice(packetOffset, packetLength);
        bool ipv6 = packet[0] >> 4 == 6;
        int headerLength;
        byte protocol;
        if (ipv6)
        {
            headerLength = IPv6Header.Length;
            protocol = packet[IPv6Header.NextHeaderOffset];
            if (IpProtocol.IsIPv6ExtensionHeader(protocol))
                return Drop(DropReason.UnsupportedHeader);
        }
        else
        {
            IPv4Header.TryParse(packet, out headerLength, out _);
            if (IPv4Header.IsFragment(packet))
                return Drop(DropReason.UnsupportedHeader);
            protocol = packet[IPv4Header.ProtocolOffset];
        }
        int ahLength = AhLength(ipv6);
        if (packetOffset < ahLength)
            return Drop(DropReason.NoBufferSpace);

        outOffset = packetOffset - ahLength;
        outLength = packetLength + ahLength;
        buffer.Slice(packetOffset, headerLength).CopyTo(buffer[outOffset..]);
        Span<byte> result = buffer.Slice(outOffset, outLength);
        Esp.EspTransport.FixHeader(result, IpProtocol.Ah);
        WriteAhAndIcv(result, headerLength, ahLength, protocol, sequenceNumber);
        CountPacket(packetLength);
        return DropReason.None;
    }

    private DropReason SealTunnel(Span<byte> buffer, int packetOffset, int packetLength, ulong sequenceNumber, out int outOffset, out int outLength)
    {
        outOffset = 0;
        outLength = 0;
        bool outerIPv6 = _tunnelSource!.Length == 16;
        int outerHeaderLength = outerIPv6 ? IPv6Header.Length : IPv4Header.MinLength;
        int ahLength = AhLength(outerIPv6);
        if (packetOffset < outerHeaderLength + ahLength)
            return Drop(DropReason.NoBufferSpace);
        byte innerProtocol = buffer[packetOffset] >> 4 == 4 ? IpProtocol.IPv4 : IpProtocol.IPv6;

        outOffset = packetOffset - ahLength - outerHeaderLength;
        outLength = outerHeaderLength + ahLength + packetLength;
        Span<byte> result = buffer.Slice(outOffset, outLength);
        if (outerIPv6)
            IPv6Header.Write(result, _tunnelSource, _tunnelDestination, IpProtocol.Ah, outLength - IPv6Header.Length);
        else
        {
            // The ID is covered by the ICV; a raw socket with IP_HDRINCL replaces an ID of 0 with its own, so never send 0.
            ushort identification = (ushort)sequenceNumber is 0 ? (ushort)0xFFFF : (ushort)sequenceNumber;
            IPv4Header.Write(result, _tunnelSource, _tunnelDestination, IpProtocol.Ah, outLength, identification: identification);
        }
        WriteAhAndIcv(result, outerHeaderLength, ahLength, innerProtocol, sequenceNumber);
        CountPacket(packetLength);
        return DropReason.None;
    }

    /// <summary>Writes the AH header after the IP header and fills in the ICV (RFC 4302 §2, §3.3.3).</summary>
    private void WriteAhAndIcv(Span<byte> packet, int headerLength, int ahLength, byte nextHeader, ulong sequenceNumber)
    {
        Span<byte> ah = packet.Slice(headerLength, ahLength);
        ah[0] = nextHeader;
        ah[1] = (byte)(ahLength / 4 - 2); // Payload Len: AH length in 32-bit words minus 2 (RFC 4302 §2.2)
        ah[2] = 0;
        ah[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(ah[4..], Spi);
        BinaryPrimitives.WriteUInt32BigEndian(ah[8..], (uint)sequenceNumber);
        ah[FixedLength..].Clear(); // ICV and its padding are zero while the ICV is computed
        Span<byte> icv = stackalloc byte[Hmac.MaxOutputLength];
        ComputeIcv(packet, headerLength, (uint)(sequenceNumber >> 32), icv);
        icv[..IcvLength].CopyTo(ah[FixedLength..]);
    }

    /// <summary>
    /// Opens an IP packet carrying AH. Transport mode: the result is the packet with AH removed.
    /// Tunnel mode: the result is the inner packet. Order as RFC 4302 §3.4: replay check, ICV, window update.
    /// </summary>
    public DropReason Open(Span<byte> buffer, int packetOffset, int packetLength, out AhOpenResult result)
    {
        result = default;
        if (_replay is null)
            return Drop(DropReason.WrongDirection);
        if (_lifetime.HardReached(Counters.Bytes, Counters.Packets))
            return Drop(DropReason.LifetimeExpired);
        if ((uint)packetOffset > (uint)buffer.Length || (uint)packetLength > (uint)(buffer.Length - packetOffset))
            return Drop(DropReason.Truncated);
        Span<byte> packet = buffer.Slice(packetOffset, packetLength);
        if (!TryParseOuter(packet, out int headerLength, out int totalLength, out DropReason reason))
            return Drop(reason);
        packet = packet[..totalLength];
        bool ipv6 = packet[0] >> 4 == 6;

        if (packet.Length - headerLength < FixedLength)
            return Drop(DropReason.Truncated);
        Span<byte> ahFixed = packet.Slice(headerLength, FixedLength);
        int ahLength = (ahFixed[1] + 2) * 4;
        if (ahLength != AhLength(ipv6))
            return Drop(DropReason.Truncated); // an ICV length other than the SA's cannot verify
        if (headerLength + ahLength > packet.Length)
            return Drop(DropReason.Truncated);
        if (BinaryPrimitives.ReadUInt32BigEndian(ahFixed[4..]) != Spi)
            return Drop(DropReason.SpiMismatch);
        byte nextHeader = ahFixed[0];

        DropReason verdict = _replay.Check(BinaryPrimitives.ReadUInt32BigEndian(ahFixed[8..]), out ulong sequenceNumber);
        if (verdict != DropReason.None)
            return Drop(verdict);

        Span<byte> icvField = packet.Slice(headerLength + FixedLength, ahLength - FixedLength);
        Span<byte> received = stackalloc byte[IcvLength];
        icvField[..IcvLength].CopyTo(received);
        icvField.Clear();
        Span<byte> computed = stackalloc byte[Hmac.MaxOutputLength];
        ComputeIcv(packet, headerLength, (uint)(sequenceNumber >> 32), computed);
        if (!CryptographicOperations.FixedTimeEquals(received, computed[..IcvLength]))
            return Drop(DropReason.AuthenticationFailed);
        verdict = _replay.Update(sequenceNumber);
        if (verdict != DropReason.None)
            return Drop(verdict);

        int payloadStart = packetOffset + headerLength + ahLength;
        int payloadLength = totalLength - headerLength - ahLength;
        if (Mode == IpsecMode.Tunnel)
        {
            if (nextHeader is not (IpProtocol.IPv4 or IpProtocol.IPv6))
                return Drop(DropReason.BadNextHeader);
            ReadOnlySpan<byte> inner = buffer.Slice(payloadStart, payloadLength);
            if (inner.IsEmpty || inner[0] >> 4 != (nextHeader == IpProtocol.IPv4 ? 4 : 6)
                || !IpPacket.TryGetLength(inner, out int innerLength) || innerLength != payloadLength)
                return Drop(DropReason.BadIpHeader);
            result = new AhOpenResult(payloadStart, payloadLength, nextHeader, sequenceNumber);
            CountPacket(payloadLength);
            return DropReason.None;
        }

        int outOffset = payloadStart - headerLength;
        buffer.Slice(packetOffset, headerLength).CopyTo(buffer[outOffset..]);
        Span<byte> restored = buffer.Slice(outOffset, headerLength + payloadLength);
        Esp.EspTransport.FixHeader(restored, nextHeader);
        result = new AhOpenResult(outOffset, restored.Length, nextHeader, sequenceNumber);
        CountPacket(payloadLength);
        return DropReason.None;
    }

    private static bool TryParseOuter(ReadOnlySpan<byte> packet, out int headerLength, out int totalLength, out DropReason reason)
    {
        headerLength = 0;
        totalLength = 0;
        reason = DropReason.BadIpHeader;
        if (packet.IsEmpty)
            return false;
        if (packet[0] >> 4 == 4)
        {
            if (!IPv4Header.TryParse(packet, out headerLength, out totalLength))
                return false;
            reason = DropReason.UnsupportedHeader;
            if (IPv4Header.IsFragment(packet))
                return false; // RFC 4302 §3.4.1: AH is verified on reassembled packets only
            reason = DropReason.BadNextHeader;
            return packet[IPv4Header.ProtocolOffset] == IpProtocol.Ah;
        }
        if (!IPv6Header.TryParse(packet, out totalLength))
            return false;
        headerLength = IPv6Header.Length;
        byte next = packet[IPv6Header.NextHeaderOffset];
        reason = IpProtocol.IsIPv6ExtensionHeader(next) ? DropReason.UnsupportedHeader : DropReason.BadNextHeader;
        return next == IpProtocol.Ah;
    }

    /// <summary>
    /// HMAC over: IP header with mutable fields zeroed | AH (ICV zeroed) and payload | ESN high bits
    /// (RFC 4302 §3.3.3.1, §2.5.1 / RFC 4303 §2.2.1 for the implicit high-order bits).
    /// </summary>
    private void ComputeIcv(ReadOnlySpan<byte> packet, int headerLength, uint sequenceHigh, Span<byte> output)
    {
        Span<byte> header = stackalloc byte[IPv4Header.MaxLength > IPv6Header.Length ? IPv4Header.MaxLength : IPv6Header.Length];
        header = header[..headerLength];
        if (packet[0] >> 4 == 4)
        {
            if (!AhMutableFields.TryCopyIPv4(packet[..headerLength], header))
                header.Clear(); // malformed options: the ICV will not match, so the packet is dropped
        }
        else
        {
            AhMutableFields.CopyIPv6(packet, header);
        }
        Span<byte> high = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(high, sequenceHigh);
        lock (_hmacLock)
        {
            _hmac.AppendData(header);
            _hmac.AppendData(packet[headerLength..]);
            if (ExtendedSequenceNumbers)
                _hmac.AppendData(high);
            _hmac.GetHashAndReset(output);
        }
    }

    private void CountPacket(int bytes)
    {
        Counters.CountPacket(bytes);
        _global.CountPacket(bytes);
    }

    private DropReason Drop(DropReason reason)
    {
        Counters.CountDrop(reason);
        _global.CountDrop(reason);
        return reason;
    }

    /// <summary>Tests position the window as if earlier traffic had been received.</summary>
    internal ReplayWindow ReplayWindowForTests => _replay ?? throw new InvalidOperationException();

    public void Dispose() => _hmac.Dispose();
}
