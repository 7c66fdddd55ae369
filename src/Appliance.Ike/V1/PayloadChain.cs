using System.Buffers.Binary;

namespace Appliance.Ike.V1;

/// <summary>One payload found in a chain: its type and where it lies (generic header included) in the buffer.</summary>
internal sealed class IsakmpPayload
{
    public byte Type;
    /// <summary>Offset of the generic payload header in the buffer the chain was parsed from.</summary>
    public int Start;
    /// <summary>Payload Length field: generic header (4 octets) plus body.</summary>
    public int Length;

    public int BodyStart => Start + 4;
    public int BodyLength => Length - 4;
    public int End => Start + Length;
}

/// <summary>Why a payload chain was refused.</summary>
internal enum ChainError
{
    None,
    Malformed,
    UnknownPayload,
}

/// <summary>
/// The generic payload header chain (RFC 2408 §3.2): parse with every length checked against the end, and build.
/// What follows the last payload (up to the end) is ignored: it is the encryption padding (RFC 2409 Appendix B).
/// </summary>
internal static class PayloadChain
{
    /// <summary>More payloads than any exchange this responder runs carries: refused, which also bounds the work.</summary>
    public const int MaxPayloads = 48;

    public static ChainError Parse(ReadOnlySpan<byte> buffer, int offset, int end, byte first, List<IsakmpPayload> payloads)
    {
        payloads.Clear();
        byte type = first;
        int position = offset;
        while (type != PayloadType.None)
        {
            if (payloads.Count >= MaxPayloads)
                return ChainError.Malformed;
            if (type < 128 && !PayloadType.IsKnown(type))
                return ChainError.UnknownPayload;
            if (end - position < 4)
                return ChainError.Malformed;
            byte next = buffer[position];
            int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[(position + 2)..]);
            if (length < 4 || length > end - position)
                return ChainError.Malformed;
            payloads.Add(new IsakmpPayload { Type = type, Start = position, Length = length });
            position += length;
            type = next;
        }
        return ChainError.None;
    }

    public static IsakmpPayload? Find(List<IsakmpPayload> payloads, byte type)
    {
        foreach (IsakmpPayload p in payloads)
            if (p.Type == type)
                return p;
        return null;
    }

    /// <summary>Offset just past the last payload (where padding starts), or <paramref name="offset"/> for none.</summary>
    public static int EndOf(List<IsakmpPayload> payloads, int offset) => payloads.Count == 0 ? offset : payloads[^1].End;
}

/// <summary>Builds a payload chain: bodies are added in order and the Next Payload fields filled in on <see cref="Encode"/>.</summary>
internal sealed class PayloadBuilder
{
    private readonly List<byte> _types = [];
    private readonly List<byte[]> _bodies = [];

    public PayloadBuilder Add(byte type, byte[] body)
    {
        _types.Add(type);
        _bodies.Add(body);
        return this;
    }

    public byte FirstType => _types.Count == 0 ? PayloadType.None : _types[0];

    public bool IsEmpty => _types.Count == 0;

    public byte[] Encode()
    {
        int total = 0;
        foreach (byte[] b in _bodies)
            total += 4 + b.Length;
        var output = new byte[total];
        int position = 0;
        for (int i = 0; i < _bodies.Count; i++)
        {
            output[position] = i + 1 < _types.Count ? _types[i + 1] : PayloadType.None;
            BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(position + 2), (ushort)(4 + _bodies[i].Length));
            _bodies[i].CopyTo(output, position + 4);
            position += 4 + _bodies[i].Length;
        }
        return output;
    }
}
