using System.Buffers.Binary;
using Appliance.Ipsec;
using Appliance.Linux.Policy;

namespace Appliance.Linux.Sa;

/// <summary>
/// The outbound half of an installed ESP SA: assigns sequence numbers in order and seals inner
/// packets in place (RFC 4303 §3.3): headroom before the packet takes SPI, sequence number and IV,
/// tailroom after it takes padding, pad length, next header and ICV.
/// </summary>
internal sealed class OutboundEspSa : IDisposable
{
    private readonly EspCipher _cipher;
    private ulong _seq;

    public OutboundEspSa(SaInstall sa, int wanMtu, SaCounters counters)
    {
        Install = sa;
        Counters = counters;
        Spi = sa.OutboundSpi;
        _cipher = EspCipher.Create(sa.EncryptionId, sa.KeyBits, sa.IntegrityId, sa.OutboundEncryptionKey, sa.OutboundIntegrityKey);
        int outer = (sa.Remote.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 20 : 40) + (sa.UdpEncapsulation ? 8 : 0);
        int room = wanMtu - outer - 8 - _cipher.IvLength - _cipher.IcvLength;
        // The largest inner packet whose padded payload (+ pad length and next header) still fits.
        TunnelMtu = room / _cipher.BlockSize * _cipher.BlockSize - 2;
        RemotePrefixes = Prefix.From(sa.RemoteTs);
        RemoteAddress = sa.Remote.Address.GetAddressBytes();
    }

    public SaInstall Install { get; }
    public uint Spi { get; }
    public int TunnelMtu { get; }
    public Prefix[] RemotePrefixes { get; }
    public byte[] RemoteAddress { get; }
    public SaCounters Counters { get; }
    public int Headroom => 8 + _cipher.IvLength;
    public int Tailroom => _cipher.BlockSize + 1 + _cipher.IcvLength;
    public ulong LastSequence => _seq;

    /// <summary>
    /// Seals the packet at <paramref name="offset"/> of <paramref name="slot"/>; on success the ESP
    /// packet is slot[espOffset .. espOffset+espLength].
    /// </summary>
    public DataPlaneDropReason Seal(Span<byte> slot, int offset, int length, byte nextHeader, out int espOffset, out int espLength)
    {
        espOffset = espLength = 0;
        int block = _cipher.BlockSize;
        int padded = (length + 2 + block - 1) / block * block;
        int padLength = padded - length - 2;
        espOffset = offset - Headroom;
        if (espOffset < 0 || offset + padded + _cipher.IcvLength > slot.Length) return DataPlaneDropReason.NoBufferSpace;
        if (!Install.ExtendedSequenceNumbers && _seq >= uint.MaxValue) return DataPlaneDropReason.SequenceNumberExhausted;
        ulong seq = ++_seq;

        var trailer = slot.Slice(offset + length, padLength + 2);
        for (int i = 0; i < padLength; i++) trailer[i] = (byte)(i + 1); // RFC 4303 §2.4 default padding
        trailer[padLength] = (byte)padLength;
        trailer[padLength + 1] = nextHeader;

        var header = slot.Slice(espOffset, 8);
        BinaryPrimitives.WriteUInt32BigEndian(header, Spi);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)seq);
        uint? high = Install.ExtendedSequenceNumbers ? (uint)(seq >> 32) : null;
        _cipher.Seal(header, high, seq, slot.Slice(espOffset + 8, _cipher.IvLength), slot.Slice(offset, padded),
            slot.Slice(offset + padded, _cipher.IcvLength));
        espLength = Headroom + padded + _cipher.IcvLength;
        Counters.CountOut(length);
        return DataPlaneDropReason.None;
    }

    public void Dispose() => _cipher.Dispose();
}

/// <summary>
/// The inbound half: anti-replay check before and window update after the ICV (RFC 4303 §3.4.3),
/// decryption in place, padding and next-header checks (§2.4, §2.6). Guarded by a lock because
/// ESP may arrive both on the raw socket thread and from the host's UDP 4500 socket.
/// </summary>
internal sealed class InboundEspSa : IDisposable
{
    private readonly EspCipher _cipher;
    private readonly ReplayWindow _window;
    private readonly object _gate = new();

    public InboundEspSa(SaInstall sa, SaCounters counters)
    {
        Install = sa;
        Counters = counters;
        Spi = sa.InboundSpi;
        _cipher = EspCipher.Create(sa.EncryptionId, sa.KeyBits, sa.IntegrityId, sa.InboundEncryptionKey, sa.InboundIntegrityKey);
        _window = new ReplayWindow(sa.ReplayWindow);
        LocalPrefixes = Prefix.From(sa.LocalTs);
        RemotePrefixes = Prefix.From(sa.RemoteTs);
    }

    public SaInstall Install { get; }
    public uint Spi { get; }
    public Prefix[] LocalPrefixes { get; }
    public Prefix[] RemotePrefixes { get; }
    public SaCounters Counters { get; }

    /// <summary>Opens the ESP packet in place; the payload is esp[offset .. offset+length].</summary>
    public DataPlaneDropReason Open(Span<byte> esp, out int offset, out int length, out byte nextHeader)
    {
        offset = length = 0;
        nextHeader = 0;
        int iv = _cipher.IvLength, icv = _cipher.IcvLength;
        if (esp.Length < 8 + iv + 2 + icv) return DataPlaneDropReason.Truncated;
        var header = esp[..8];
        if (BinaryPrimitives.ReadUInt32BigEndian(header) != Spi) return DataPlaneDropReason.UnknownSpi;
        uint low = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        var payload = esp[(8 + iv)..^icv];
        if (payload.Length % _cipher.BlockSize != 0) return DataPlaneDropReason.Truncated;
        lock (_gate)
        {
            ulong seq = Install.ExtendedSequenceNumbers ? _window.InferEsn(low) : low;
            if (!_window.Check(seq, out bool tooOld)) return tooOld ? DataPlaneDropReason.TooOld : DataPlaneDropReason.Replay;
            uint? high = Install.ExtendedSequenceNumbers ? (uint)(seq >> 32) : null;
            if (!_cipher.Open(header, high, esp.Slice(8, iv), payload, esp[^icv..])) return DataPlaneDropReason.AuthenticationFailed;
            _window.Update(seq);
        }
        int padLength = payload[^2];
        nextHeader = payload[^1];
        if (padLength + 2 > payload.Length) return DataPlaneDropReason.BadPadding;
        var pad = payload.Slice(payload.Length - 2 - padLength, padLength);
        for (int i = 0; i < pad.Length; i++)
            if (pad[i] != i + 1) return DataPlaneDropReason.BadPadding;
        if (nextHeader == 59) return DataPlaneDropReason.DummyPacket;
        offset = 8 + iv;
        length = payload.Length - 2 - padLength;
        return DataPlaneDropReason.None;
    }

    public void Dispose() => _cipher.Dispose();
}
