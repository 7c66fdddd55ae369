using System.Buffers.Binary;
using System.Text;

namespace Appliance.Lan.Dns;

/// <summary>
/// Bounds-checked reading of DNS messages (RFC 1035 §4.1). Names may use compression pointers (§4.1.4); a pointer must
/// point before the label that holds it, which rules out loops, and the expanded name may not exceed 255 octets.
/// </summary>
public static class DnsWire
{
    public const int HeaderLength = 12;
    public const ushort TypeOpt = 41, TypeSoa = 6;

    /// <summary>Skips (and checks) the name at <paramref name="offset"/>; returns the offset after it in the message, or -1.</summary>
    public static int SkipName(ReadOnlySpan<byte> message, int offset) => ReadName(message, offset, null);

    /// <summary>Reads the name at <paramref name="offset"/> lower-cased without the trailing dot; -1 when malformed.</summary>
    public static int ReadName(ReadOnlySpan<byte> message, int offset, StringBuilder? name)
    {
        int end = -1, length = 1, position = offset, lowestLabel = offset;
        while (true)
        {
            if (position >= message.Length) return -1;
            byte b = message[position];
            if (b == 0)
            {
                if (end < 0) end = position + 1;
                return length <= DnsName.MaxLength ? end : -1;
            }
            switch (b & 0xC0)
            {
                case 0xC0:
                    if (position + 1 >= message.Length) return -1;
                    int target = ((b & 0x3F) << 8) | message[position + 1];
                    // Only backwards, and before every label read so far: each jump shrinks the position, so no loop.
                    if (target >= lowestLabel) return -1;
                    if (end < 0) end = position + 2;
                    position = lowestLabel = target;
                    continue;
                case 0x00:
                    if (position + 1 + b > message.Length) return -1;
                    length += b + 1;
                    if (length > DnsName.MaxLength) return -1;
                    if (name is not null)
                    {
                        if (name.Length > 0) name.Append('.');
                        foreach (byte c in message.Slice(position + 1, b)) name.Append((char)(c is >= (byte)'A' and <= (byte)'Z' ? c + 32 : c));
                    }
                    position += 1 + b;
                    continue;
                default:
                    return -1; // 0x40 and 0x80 label types are reserved (RFC 6891 retired extended labels)
            }
        }
    }

    public static ushort Id(ReadOnlySpan<byte> m) => BinaryPrimitives.ReadUInt16BigEndian(m);
    public static void SetId(Span<byte> m, ushort id) => BinaryPrimitives.WriteUInt16BigEndian(m, id);
    public static int Rcode(ReadOnlySpan<byte> m) => m[3] & 0x0F;
    public static bool IsResponse(ReadOnlySpan<byte> m) => (m[2] & 0x80) != 0;
    public static bool IsTruncated(ReadOnlySpan<byte> m) => (m[2] & 0x02) != 0;
    public static int Opcode(ReadOnlySpan<byte> m) => (m[2] >> 3) & 0x0F;
    public static ushort Count(ReadOnlySpan<byte> m, int section) => BinaryPrimitives.ReadUInt16BigEndian(m[(4 + 2 * section)..]);
}
