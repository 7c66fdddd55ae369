using System.Buffers.Binary;

namespace Appliance.Ike.V1;

/// <summary>The 28-octet ISAKMP header (RFC 2408 §3.1). Parse checks every length before reading.</summary>
internal sealed class IsakmpHeader
{
    public const int Size = 28;

    public ulong InitiatorCookie;
    public ulong ResponderCookie;
    public byte NextPayload;
    public byte Version;
    public byte Exchange;
    public byte Flags;
    public uint MessageId;
    public uint Length;

    public bool Encrypted => (Flags & IsakmpFlags.Encryption) != 0;

    /// <summary>False when the message is shorter than a header or its Length field disagrees with the datagram.</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, out IsakmpHeader header)
    {
        header = new IsakmpHeader();
        if (message.Length < Size)
            return false;
        header.InitiatorCookie = BinaryPrimitives.ReadUInt64BigEndian(message);
        header.ResponderCookie = BinaryPrimitives.ReadUInt64BigEndian(message[8..]);
        header.NextPayload = message[16];
        header.Version = message[17];
        header.Exchange = message[18];
        header.Flags = message[19];
        header.MessageId = BinaryPrimitives.ReadUInt32BigEndian(message[20..]);
        header.Length = BinaryPrimitives.ReadUInt32BigEndian(message[24..]);
        return header.Length == (uint)message.Length;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, InitiatorCookie);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], ResponderCookie);
        destination[16] = NextPayload;
        destination[17] = Version;
        destination[18] = Exchange;
        destination[19] = Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], MessageId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], Length);
    }
}
