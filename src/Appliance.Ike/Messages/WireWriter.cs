using System.Buffers;
using System.Buffers.Binary;

namespace Appliance.Ike.Messages;

/// <summary>Growable big-endian writer with back-patching of length fields.</summary>
internal sealed class WireWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(512);

    public int Length => _buffer.WrittenCount;
    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public void WriteByte(byte v) { _buffer.GetSpan(1)[0] = v; _buffer.Advance(1); }

    public void WriteUInt16(ushort v) { BinaryPrimitives.WriteUInt16BigEndian(_buffer.GetSpan(2), v); _buffer.Advance(2); }

    public void WriteUInt32(uint v) { BinaryPrimitives.WriteUInt32BigEndian(_buffer.GetSpan(4), v); _buffer.Advance(4); }

    public void WriteUInt64(ulong v) { BinaryPrimitives.WriteUInt64BigEndian(_buffer.GetSpan(8), v); _buffer.Advance(8); }

    public void WriteBytes(ReadOnlySpan<byte> v) => _buffer.Write(v);

    public void WriteZeros(int n) { _buffer.GetSpan(n)[..n].Clear(); _buffer.Advance(n); }

    /// <summary>Overwrites a 16-bit field already written (payload lengths are known only afterwards).</summary>
    public void PatchUInt16(int offset, ushort v)
    {
        Span<byte> span = System.Runtime.InteropServices.MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span;
        BinaryPrimitives.WriteUInt16BigEndian(span[offset..], v);
    }

    public void PatchByte(int offset, byte v)
    {
        Span<byte> span = System.Runtime.InteropServices.MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span;
        span[offset] = v;
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
