using System.Buffers.Binary;
using System.Net;
using Appliance.Lan.Dhcp;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// The LAN's DHCP server (RFC 2131): a run of up to 8 client datagrams, [length:2][datagram] each, into one server
/// with a fresh lease table, so lease state (offer, request, decline, release, inform) carries from one to the next.
/// Every reply is written as it would be sent, so the option encoder sees what the parser let through.
/// </summary>
public sealed class DhcpHarness : IHarness
{
    private static readonly DhcpServerSettings Settings = new()
    {
        ServerAddress = IPAddress.Parse("192.168.1.1"), PrefixLength = 24,
        PoolStart = IPAddress.Parse("192.168.1.100"), PoolEnd = IPAddress.Parse("192.168.1.103"),
        LeaseTime = TimeSpan.FromHours(1), Routers = [IPAddress.Parse("192.168.1.1")], DnsServers = [IPAddress.Parse("192.168.1.1")],
        DomainName = "branch.example", SearchDomains = ["branch.example", "example.com"],
        StaticLeases = new Dictionary<MacAddress, IPAddress> { [MacAddress.FromBytes([2, 0, 0, 0, 0, 9])] = IPAddress.Parse("192.168.1.50") },
    };

    public string Name => "dhcp";
    public string Description => "DHCP server: parse, lease state across a run of datagrams, reply encoding";

    public void Run(ReadOnlySpan<byte> input)
    {
        var server = new DhcpServer(Settings, new LeaseTable(Settings, FixedTime.Instance));
        for (int i = 0; i < 8 && input.Length >= 2; i++)
        {
            int length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(input), input.Length - 2);
            DhcpReply? reply = server.Receive(input.Slice(2, length));
            reply?.Write();
            input = input[(2 + length)..];
        }
    }

    public IEnumerable<byte[]> Seeds()
    {
        byte[] mac = [0x52, 0x54, 0, 0, 0, 1];
        byte[] server = [192, 168, 1, 1], offered = [192, 168, 1, 100];
        byte[] discover = Client(1, mac, [], (DhcpOption.ParameterRequestList, [1, 3, 6, 15, 119]), (DhcpOption.HostName, "pc1"u8.ToArray()));
        byte[] request = Client(3, mac, [], (DhcpOption.RequestedIpAddress, offered), (DhcpOption.ServerIdentifier, server));
        byte[] release = Client(7, mac, offered, (DhcpOption.ServerIdentifier, server));
        byte[] inform = Client(8, [2, 0, 0, 0, 0, 9], [192, 168, 1, 50], (DhcpOption.ParameterRequestList, [1, 3, 6]));
        byte[] decline = Client(4, mac, [], (DhcpOption.RequestedIpAddress, offered), (DhcpOption.ServerIdentifier, server));
        yield return Run(discover, request, release);
        yield return Run(discover, decline, discover);
        yield return Run(inform);
        yield return Run(Client(1, [2, 0, 0, 0, 0, 9], [], (DhcpOption.ClientIdentifier, [1, 2, 0, 0, 0, 0, 9]), (DhcpOption.MaximumMessageSize, [2, 64])));
    }

    private static byte[] Run(params byte[][] datagrams)
    {
        var output = new List<byte>();
        foreach (byte[] d in datagrams)
        {
            output.AddRange([(byte)(d.Length >> 8), (byte)d.Length]);
            output.AddRange(d);
        }
        return [.. output];
    }

    /// <summary>A client message as RFC 2131 §2 lays it out: BOOTREQUEST, Ethernet chaddr, the magic cookie, options.</summary>
    private static byte[] Client(byte type, byte[] mac, byte[] ciaddr, params (byte Code, byte[] Value)[] options)
    {
        var o = new List<byte> { DhcpOption.MessageType, 1, type };
        foreach (var (code, value) in options) { o.Add(code); o.Add((byte)value.Length); o.AddRange(value); }
        o.Add(DhcpOption.End);
        var b = new byte[240 + o.Count];
        b[0] = 1; b[1] = 1; b[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), 0x2a2a2a2a);
        ciaddr.CopyTo(b, 12);
        mac.CopyTo(b, 28);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(236), DhcpParser.MagicCookie);
        o.CopyTo(b, 240);
        return b;
    }
}
