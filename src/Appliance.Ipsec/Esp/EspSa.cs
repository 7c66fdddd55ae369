using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Packets;

namespace Appliance.Ipsec.Esp;

/// <summary>Where the payload of an opened ESP packet lies, relative to the start of the ESP span.</summary>
public readonly record struct EspOpenResult(int PayloadOffset, int PayloadLength, byte NextHeader, ulong SequenceNumber);

/// <summary>
/// One ESP Security Association (RFC 4303): seals outbound or opens inbound packets in place in
/// caller-owned buffers, allocating nothing per packet.
/// <para>
/// Buffer contract: to seal, the payload sits at <c>payloadOffset</c> with at least
/// <see cref="HeaderLength"/> bytes of headroom before it and <see cref="MaxTrailerLength"/> bytes of
/// tailroom after it; the ESP packet is written around it. Opening decrypts in place and reports
/// the payload range.
/// </para>
/// <para>
/// Threads: sealing is thread-safe (sequence numbers are reserved atomically, the ciphers are
/// thread-safe, counters are Interlocked), so several threads may seal on one outbound SA, each with
/// numbers from <see cref="TryReserveSequenceNumbers"/>. Opening updates the replay window and must
/// be done by one thread at a time per inbound SA.
/// </para>
/// </summary>
public sealed class EspSa : IDisposable
{
    private readonly EspCipher _cipher;
    private readonly SequenceCounter? _sequence;
    private readonly ReplayWindow? _replay;
    private readonly IpsecCounters _global;
    private readonly RandomFill _random;
    private readonly SaLifetime _lifetime;
    private readonly int _blockSize;

    private EspSa(EspSaParameters p, EspCipher cipher)
    {
        Spi = p.Spi;
        Direction = p.Direction;
        Mode = p.Mode;
        Suite = p.Suite;
        ExtendedSequenceNumbers = p.ExtendedSequenceNumbers;
        _cipher = cipher;
        _lifetime = p.Lifetime;
        _global = p.GlobalCounters ?? IpsecCounters.Global;
        _random = p.Random ?? RandomNumberGenerator.Fill;
        _blockSize = EspSuiteInfo.BlockSize(p.Suite);
        if (p.Direction == SaDirection.Outbound)
            _sequence = new SequenceCounter(p.ExtendedSequenceNumbers, p.InitialSequenceNumber);
        else
            _replay = new ReplayWindow(p.ReplayWindowSize, p.ExtendedSequenceNumbers);
    }

    /// <summary>Builds the SA and its cipher; throws for wrong key lengths or an unsupported suite/backend.</summary>
    public static EspSa Create(EspSaParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Spi < 256)
            throw new ArgumentOutOfRangeException(nameof(parameters), "SPI values 0-255 are reserved (RFC 4303 §2.1).");
        EspCipher cipher = EspCipherFactory.Create(parameters.Suite, parameters.EncryptionKey, parameters.IntegrityKey, parameters.Backend);
        return new EspSa(parameters, cipher);
    }

    public uint Spi { get; }
    public SaDirection Direction { get; }
    public IpsecMode Mode { get; }
    public EspSuite Suite { get; }
    public bool ExtendedSequenceNumbers { get; }

    /// <summary>Library doing the cipher work: "NSec" or "DotNet".</summary>
    public string Provider => _cipher.Provider;

    /// <summary>This SA's counters (the global set is bumped as well).</summary>
    public IpsecCounters Counters { get; } = new();

    /// <summary>Headroom needed before the payload: SPI, sequence number and IV.</summary>
    public int HeaderLength => EspCipher.EspHeaderLength + _cipher.IvLength;

    /// <summary>Tailroom needed after the payload in the worst case: padding, pad length, next header, ICV.</summary>
    public int MaxTrailerLength => _blockSize - 1 + 2 + _cipher.IcvLength;

    public int IcvLength => _cipher.IcvLength;

    /// <summary>Exact ESP packet length for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public int GetSealedLength(int payloadLength) => HeaderLength + PaddedLength(payloadLength) + _cipher.IcvLength;

    /// <summary>Outbound: last sequence number handed out.</summary>
    public ulong LastSequenceNumber => _sequence?.Last ?? 0;

    /// <summary>Outbound: numbers left before exhaustion, so the rekey can start well before the hard stop.</summary>
    public ulong SequenceNumbersRemaining => _sequence is null ? 0 : _sequence.Limit - _sequence.Last;

    /// <summary>Outbound: every sequence number is used; the SA must be rekeyed (RFC 4303 §3.3.3).</summary>
    public bool IsSequenceExhausted => _sequence?.IsExhausted ?? false;

    /// <summary>Inbound: the anti-replay window (read-only use outside this class).</summary>
    public ReplayWindow? ReplayWindow => _replay;

    /// <summary>A soft byte/packet limit has been reached, or sequence numbers are running out: time to rekey.</summary>
    public bool SoftLifetimeReached => _lifetime.SoftReached(Counters.Bytes, Counters.Packets) || (_sequence?.IsNearExhaustion ?? false);

    /// <summary>A hard limit has been reached: the SA refuses further packets.</summary>
    public bool HardLifetimeReached => _lifetime.HardReached(Counters.Bytes, Counters.Packets);

    /// <summary>
    /// Reserves <paramref name="count"/> consecutive sequence numbers for a parallel sealer; false
    /// when exhausted (see <see cref="SequenceCounter.TryReserve"/>).
    /// </summary>
    public bool TryReserveSequenceNumbers(int count, out ulong first)
    {
        if (_sequence is null)
            throw new InvalidOperationException("Only outbound SAs assign sequence numbers.");
        return _sequence.TryReserve(count, out first);
    }

    /// <summary>Seals with the next sequence number. See the class remarks for the buffer layout.</summary>
    public DropReason Seal(Span<byte> buffer, int payloadOffset, int payloadLength, byte nextHeader, out int espOffset, out int espLength)
    {
        espOffset = 0;
        espLength = 0;
        if (_sequence is null)
            return Drop(DropReason.WrongDirection);
        if (!_sequence.TryReserve(1, out ulong sequenceNumber))
            return Drop(DropReason.SequenceNumberExhausted);
        return SealCore(sequenceNumber, default, buffer, payloadOffset, payloadLength, nextHeader, out espOffset, out espLength);
    }

    /// <summary>Seals with a number previously obtained from <see cref="TryReserveSequenceNumbers"/>.</summary>
    public DropReason SealWithSequenceNumber(ulong sequenceNumber, Span<byte> buffer, int payloadOffset, int payloadLength, byte nextHeader, out int espOffset, out int espLength)
    {
        espOffset = 0;
        espLength = 0;
        if (_sequence is null)
            return Drop(DropReason.WrongDirection);
        if (sequenceNumber == 0 || sequenceNumber > _sequence.Last)
            throw new ArgumentOutOfRangeException(nameof(sequenceNumber), "Sequence number was not reserved.");
        return SealCore(sequenceNumber, default, buffer, payloadOffset, payloadLength, nextHeader, out espOffset, out espLength);
    }

    /// <summary>Tunnel mode: seals a whole inner IPv4/IPv6 packet; Next Header is 4 or 41 from its version.</summary>
    public DropReason SealTunnel(Span<byte> buffer, int innerOffset, int innerLength, out int espOffset, out int espLength)
    {
        espOffset = 0;
        espLength = 0;
        if ((uint)innerOffset > (uint)buffer.Length || (uint)innerLength > (uint)(buffer.Length - innerOffset)
            || !IpPacket.TryGetLength(buffer.Slice(innerOffset, innerLength), out int ipLength) || ipLength != innerLength)
            return Drop(DropReason.BadIpHeader);
        byte nextHeader = (buffer[innerOffset] >> 4) == 4 ? IpProtocol.IPv4 : IpProtocol.IPv6;
        return Seal(buffer, innerOffset, innerLength, nextHeader, out espOffset, out espLength);
    }

    /// <summary>Known-answer tests need the RFC's IV instead of the sequence-number IV.</summary>
    internal DropReason SealWithIv(ulong sequenceNumber, ReadOnlySpan<byte> iv, Span<byte> buffer, int payloadOffset, int payloadLength, byte nextHeader, out int espOffset, out int espLength) =>
        SealCore(sequenceNumber, iv, buffer, payloadOffset, payloadLength, nextHeader, out espOffset, out espLength);

    private DropReason SealCore(ulong sequenceNumber, ReadOnlySpan<byte> explicitIv, Span<byte> buffer, int payloadOffset, int payloadLength, byte nextHeader, out int espOffset, out int espLength)
    {
        espOffset = 0;
        espLength = 0;
        if (HardLifetimeReached)
            return Drop(DropReason.LifetimeExpired);
        int headerLength = HeaderLength;
        int padded = PaddedLength(payloadLength);
        if (payloadOffset < headerLength || payloadLength < 0
            || (long)payloadOffset + padded + _cipher.IcvLength > buffer.Length)
            return Drop(DropReason.NoBufferSpace);

        int start = payloadOffset - headerLength;
        Span<byte> esp = buffer.Slice(start, headerLength + padded + _cipher.IcvLength);
        BinaryPrimitives.WriteUInt32BigEndian(esp, Spi);
        BinaryPrimitives.WriteUInt32BigEndian(esp[4..], (uint)sequenceNumber);
        Span<byte> iv = esp.Slice(EspCipher.EspHeaderLength, _cipher.IvLength);
        if (!explicitIv.IsEmpty)
            explicitIv.CopyTo(iv);
        else if (iv.Length == 8)
            BinaryPrimitives.WriteUInt64BigEndian(iv, sequenceNumber); // unique per SA because numbers never repeat (RFC 4106 §3.1)
        else
            _random(iv); // CBC needs an unpredictable IV (RFC 3602 §2.1)

        // RFC 4303 §2.4: padding bytes 1, 2, 3, ..., then Pad Length and Next Header.
        Span<byte> trailer = esp.Slice(headerLength + payloadLength, padded - payloadLength);
        int padLength = trailer.Length - 2;
        for (int i = 0; i < padLength; i++)
            trailer[i] = (byte)(i + 1);
        trailer[padLength] = (byte)padLength;
        trailer[padLength + 1] = nextHeader;

        _cipher.Seal(esp, ExtendedSequenceNumbers, (uint)(sequenceNumber >> 32));
        espOffset = start;
        espLength = esp.Length;
        CountPacket(payloadLength);
        return DropReason.None;
    }

    /// <summary>
    /// Opens one ESP packet (starting at the SPI) in place: bounds, SPI, replay check, ICV, then the
    /// replay window update, then padding and Next Header (RFC 4303 §3.4). In tunnel mode the payload
    /// length comes from the inner IP header so TFC padding is ignored (RFC 4303 §2.4).
    /// </summary>
    public DropReason Open(Span<byte> esp, out EspOpenResult result)
    {
        result = default;
        if (_replay is null)
            return Drop(DropReason.WrongDirection);
        if (HardLifetimeReached)
            return Drop(DropReason.LifetimeExpired);

        int headerLength = HeaderLength;
        int icvLength = _cipher.IcvLength;
        int textLength = esp.Length - headerLength - icvLength;
        if (textLength < 2 || (_blockSize > 4 && textLength % _blockSize != 0))
            return Drop(DropReason.Truncated);
        if (BinaryPrimitives.ReadUInt32BigEndian(esp) != Spi)
            return Drop(DropReason.SpiMismatch);

        DropReason verdict = _replay.Check(BinaryPrimitives.ReadUInt32BigEndian(esp[4..]), out ulong sequenceNumber);
        if (verdict != DropReason.None)
            return Drop(verdict);
        if (!_cipher.Open(esp, ExtendedSequenceNumbers, (uint)(sequenceNumber >> 32)))
            return Drop(DropReason.AuthenticationFailed);
        verdict = _replay.Update(sequenceNumber);
        if (verdict != DropReason.None)
            return Drop(verdict);

        int trailerEnd = headerLength + textLength;
        int padLength = esp[trailerEnd - 2];
        byte nextHeader = esp[trailerEnd - 1];
        int payloadLength = textLength - 2 - padLength;
        if (payloadLength < 0)
            return Drop(DropReason.BadPadding);
        ReadOnlySpan<byte> padding = esp.Slice(headerLength + payloadLength, padLength);
        for (int i = 0; i < padding.Length; i++)
        {
            if (padding[i] != (byte)(i + 1))
                return Drop(DropReason.BadPadding);
        }
        if (nextHeader == IpProtocol.NoNextHeader)
            return Drop(DropReason.DummyPacket);

        if (Mode == IpsecMode.Tunnel)
        {
            if (nextHeader is not (IpProtocol.IPv4 or IpProtocol.IPv6))
                return Drop(DropReason.BadNextHeader);
            ReadOnlySpan<byte> inner = esp.Slice(headerLength, payloadLength);
            int expectedVersion = nextHeader == IpProtocol.IPv4 ? 4 : 6;
            if (inner.IsEmpty || inner[0] >> 4 != expectedVersion || !IpPacket.TryGetLength(inner, out int innerLength))
                return Drop(DropReason.BadIpHeader);
            payloadLength = innerLength; // anything after the inner packet is TFC padding
        }

        result = new EspOpenResult(headerLength, payloadLength, nextHeader, sequenceNumber);
        CountPacket(payloadLength);
        return DropReason.None;
    }

    private int PaddedLength(int payloadLength)
    {
        int withTrailer = payloadLength + 2;
        return withTrailer + (_blockSize - withTrailer % _blockSize) % _blockSize;
    }

    private void CountPacket(int payloadLength)
    {
        Counters.CountPacket(payloadLength);
        _global.CountPacket(payloadLength);
    }

    internal DropReason Drop(DropReason reason)
    {
        Counters.CountDrop(reason);
        _global.CountDrop(reason);
        return reason;
    }

    public void Dispose() => _cipher.Dispose();
}
