using System.Buffers.Binary;
using System.Net;

namespace Appliance.Lan.Dhcp;

/// <summary>Where a reply goes (RFC 2131 §4.1): broadcast on the LAN, or unicast to the client's ciaddr.</summary>
public enum DhcpDestination { Broadcast, ClientAddress }

/// <summary>A BOOTREPLY the server decided on; <see cref="Write"/> puts it on the wire.</summary>
public sealed class DhcpReply
{
    public required DhcpMessageType MessageType { get; init; }
    public required DhcpPacket Request { get; init; }
    public IPAddress YourAddress { get; init; } = IPAddress.Any;
    public required DhcpDestination Destination { get; init; }

    /// <summary>Options after 53 (written first), in the order added; End is appended by <see cref="Write"/>.</summary>
    public List<(byte Code, byte[] Value)> Options { get; } = [];

    public const int MinimumLength = 300; // BOOTP's minimum: some relay agents and old clients drop shorter ones

    public byte[] Write()
    {
        int optionsLength = 3 + 1;
        foreach (var (_, value) in Options) optionsLength += value.Length + 2 * Math.Max(1, (value.Length + 254) / 255);
        var buffer = new byte[Math.Max(MinimumLength, DhcpParser.MinimumLength + optionsLength)];
        Span<byte> b = buffer;
        b[0] = 2; // BOOTREPLY
        b[1] = 1;
        b[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], Request.TransactionId);
        // flags: the client's broadcast bit is echoed (RFC 2131 §4.1 table 3); secs stays 0.
        if (Request.Broadcast) b[10] = 0x80;
        // ciaddr is echoed only in ACKs to a client that already holds its address (INFORM, RENEWING).
        if (MessageType is DhcpMessageType.Ack) Request.ClientAddress.TryWriteBytes(b.Slice(12, 4), out _);
        YourAddress.TryWriteBytes(b.Slice(16, 4), out _);
        Request.ClientHardware.WriteTo(b.Slice(28, 6));
        BinaryPrimitives.WriteUInt32BigEndian(b.Slice(DhcpParser.FixedLength, 4), DhcpParser.MagicCookie);
        int o = DhcpParser.MinimumLength;
        b[o++] = DhcpOption.MessageType;
        b[o++] = 1;
        b[o++] = (byte)MessageType;
        foreach (var (code, value) in Options)
        {
            // Longer than 255 bytes: split into consecutive instances of the same option (RFC 3396).
            int written = 0;
            do
            {
                int chunk = Math.Min(255, value.Length - written);
                b[o++] = code;
                b[o++] = (byte)chunk;
                value.AsSpan(written, chunk).CopyTo(b[o..]);
                o += chunk;
                written += chunk;
            } while (written < value.Length);
        }
        b[o] = DhcpOption.End;
        return buffer;
    }

    public void Add(byte code, byte[] value) => Options.Add((code, value));

    public void Add(byte code, IPAddress address) => Options.Add((code, address.GetAddressBytes()));

    public void Add(byte code, uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        Options.Add((code, bytes));
    }
}
