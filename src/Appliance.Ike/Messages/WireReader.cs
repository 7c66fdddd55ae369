using System.Buffers.Binary;

namespace Appliance.Ike.Messages;

/// <summary>Bounds-checked big-endian reader: every read checks the remaining length first.</summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly int Remaining => _data.Length - _pos;
    public readonly int Position => _pos;

    private readonly void Need(int n, string what)
    {
        if (n < 0 || Remaining < n)
            throw new MalformedMessageException($"{what}: needs {n} bytes, {Remaining} left");
    }

    public byte ReadByte(string what)
    {
        Need(1, what);
        return _data[_pos++];
    }

    public ushort ReadUInt16(string what)
    {
        Need(2, what);
        ushort v = BinaryPrimitives.ReadUInt16BigEndian(_data[_pos..]);
        _pos += 2;
        return v;
    }

    public uint ReadUInt32(string what)
    {
        Need(4, what);
        uint v = BinaryPrimitives.ReadUInt32BigEndian(_data[_pos..]);
        _pos += 4;
        return v;
    }

    public ulong ReadUInt64(string what)
    {
        Need(8, what);
        ulong v = BinaryPrimitives.ReadUInt64BigEndian(_data[_pos..]);
        _pos += 8;
        return v;
    }

    public ReadOnlySpan<byte> ReadBytes(int n, string what)
    {
        Need(n, what);
        ReadOnlySpan<byte> v = _data.Slice(_pos, n);
        _pos += n;
        return v;
    }

    public void Skip(int n, string what) => ReadBytes(n, what);

    public ReadOnlySpan<byte> ReadRest() => ReadBytes(Remaining, "rest");
}
