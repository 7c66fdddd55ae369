using System.Buffers.Binary;
using System.Net;
using Appliance.Lan.Dhcp;

namespace Appliance.Lan.Tests;

/// <summary>Client messages as RFC 2131 lays them out, built byte by byte (independent of the server's writer).</summary>
internal static class DhcpClientPackets
{
    public static readonly MacAddress Mac1 = MacAddress.FromBytes([0x52, 0x54, 0x00, 0x00, 0x00, 0x01]);
    public static readonly MacAddress Mac2 = MacAddress.FromBytes([0x52, 0x54, 0x00, 0x00, 0x00, 0x02]);

    public static byte[] Build(DhcpMessageType type, MacAddress mac, uint xid = 0x1234,
        IPAddress? ciaddr = null, IPAddress? requested = null, IPAddress? serverId = null,
        bool broadcast = false, params (byte Code, byte[] Value)[] extra)
    {
        var options = new List<byte> { DhcpOption.MessageType, 1, (byte)type };
        if (requested is not null) { options.AddRange([DhcpOption.RequestedIpAddress, 4]); options.AddRange(requested.GetAddressBytes()); }
        if (serverId is not null) { options.AddRange([DhcpOption.ServerIdentifier, 4]); options.AddRange(serverId.GetAddressBytes()); }
        foreach (var (code, value) in extra) { options.Add(code); options.Add((byte)value.Length); options.AddRange(value); }
        options.Add(DhcpOption.End);
        var b = new byte[240 + options.Count];
        b[0] = 1; b[1] = 1; b[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), xid);
        if (broadcast) b[10] = 0x80;
        (ciaddr ?? IPAddress.Any).GetAddressBytes().CopyTo(b, 12);
        mac.WriteTo(b.AsSpan(28, 6));
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(236), 0x63825363);
        options.CopyTo(b, 240);
        return b;
    }

    /// <summary>Options of a server reply, read independently of the server's parser.</summary>
    public static Dictionary<byte, byte[]> ReplyOptions(byte[] reply)
    {
        Assert.Equal(2, reply[0]);
        Assert.Equal(0x63825363u, BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(236)));
        var result = new Dictionary<byte, byte[]>();
        int i = 240;
        while (reply[i] != 255)
        {
            if (reply[i] == 0) { i++; continue; }
            byte code = reply[i]; int len = reply[i + 1];
            result[code] = result.TryGetValue(code, out var earlier) ? [.. earlier, .. reply.AsSpan(i + 2, len)] : reply.AsSpan(i + 2, len).ToArray();
            i += 2 + len;
        }
        return result;
    }

    public static IPAddress YourAddress(byte[] reply) => new(reply.AsSpan(16, 4));
}
