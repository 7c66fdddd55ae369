using System.Buffers.Binary;

namespace Appliance.Ike.V1;

/// <summary>One data attribute (RFC 2408 §3.3): basic (TV, AF = 1) or variable (TLV); values longer than 8 octets saturate.</summary>
internal sealed class SaAttribute
{
    public ushort Type;
    public ulong Value;
    public bool Basic;
}

internal static class SaAttributes
{
    public const int MaxAttributes = 32;

    /// <summary>Parses the attributes of a transform body; false for a truncated or over-long list.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, List<SaAttribute> attributes)
    {
        attributes.Clear();
        int position = 0;
        while (position < data.Length)
        {
            if (attributes.Count >= MaxAttributes || data.Length - position < 4)
                return false;
            ushort word = BinaryPrimitives.ReadUInt16BigEndian(data[position..]);
            ushort second = BinaryPrimitives.ReadUInt16BigEndian(data[(position + 2)..]);
            var attribute = new SaAttribute { Type = (ushort)(word & 0x7fff), Basic = (word & 0x8000) != 0 };
            if (attribute.Basic)
            {
                attribute.Value = second;
                position += 4;
            }
            else
            {
                if (second > data.Length - position - 4)
                    return false;
                ReadOnlySpan<byte> value = data.Slice(position + 4, second);
                ulong v = 0;
                foreach (byte b in value)
                    v = v > (ulong.MaxValue >> 8) ? ulong.MaxValue : (v << 8) | b;
                attribute.Value = v;
                position += 4 + second;
            }
            attributes.Add(attribute);
        }
        return true;
    }

    public static void WriteBasic(List<byte> output, ushort type, ushort value)
    {
        output.Add((byte)(0x80 | (type >> 8)));
        output.Add((byte)type);
        output.Add((byte)(value >> 8));
        output.Add((byte)value);
    }

    /// <summary>A 32-bit TLV attribute (as for a life duration that does not fit 16 bits).</summary>
    public static void WriteVariable32(List<byte> output, ushort type, uint value)
    {
        output.Add((byte)((type >> 8) & 0x7f));
        output.Add((byte)type);
        output.Add(0);
        output.Add(4);
        output.Add((byte)(value >> 24));
        output.Add((byte)(value >> 16));
        output.Add((byte)(value >> 8));
        output.Add((byte)value);
    }

    /// <summary>A life duration: basic when it fits 16 bits, else a 4-octet variable attribute.</summary>
    public static void WriteLife(List<byte> output, ushort type, ulong value)
    {
        if (value <= ushort.MaxValue)
            WriteBasic(output, type, (ushort)value);
        else
            WriteVariable32(output, type, (uint)Math.Min(value, uint.MaxValue));
    }
}
