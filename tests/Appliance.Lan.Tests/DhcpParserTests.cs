using System.Net;
using Appliance.Lan.Dhcp;
using Microsoft.Extensions.Time.Testing;
using static Appliance.Lan.Tests.DhcpClientPackets;

namespace Appliance.Lan.Tests;

/// <summary>Malformed requests are counted drops, never exceptions; the server keeps answering afterwards.</summary>
public sealed class DhcpParserTests
{
    private static DhcpServer NewServer()
    {
        var settings = new DhcpServerSettings
        {
            ServerAddress = IPAddress.Parse("192.168.1.1"), PrefixLength = 24,
            PoolStart = IPAddress.Parse("192.168.1.100"), PoolEnd = IPAddress.Parse("192.168.1.200"),
            LeaseTime = TimeSpan.FromHours(1),
        };
        return new DhcpServer(settings, new LeaseTable(settings, new FakeTimeProvider()));
    }

    public static TheoryData<string, byte[]> Malformed()
    {
        var good = Build(DhcpMessageType.Discover, Mac1);
        byte[] Mutate(Action<byte[]> change) { var b = (byte[])good.Clone(); change(b); return b; }
        return new()
        {
            { nameof(DhcpDrop.Truncated), good[..239] },
            { nameof(DhcpDrop.Truncated), [] },
            { nameof(DhcpDrop.Oversized), [.. good, .. new byte[1400]] },
            { nameof(DhcpDrop.NotEthernetRequest), Mutate(b => b[0] = 2) },
            { nameof(DhcpDrop.NotEthernetRequest), Mutate(b => b[2] = 16) },
            { nameof(DhcpDrop.BadMagicCookie), Mutate(b => b[236] = 0) },
            // Option 53's length byte claims 200 bytes: past the end of the datagram.
            { nameof(DhcpDrop.MalformedOptions), Mutate(b => b[241] = 200) },
            // No End option.
            { nameof(DhcpDrop.MalformedOptions), good[..^1] },
            { nameof(DhcpDrop.MalformedOptions), Build(DhcpMessageType.Discover, Mac1, extra: (DhcpOption.OptionOverload, [7])) },
            { nameof(DhcpDrop.BadMessageType), Mutate(b => b[242] = (byte)DhcpMessageType.Offer) },
            { nameof(DhcpDrop.BadMessageType), Mutate(b => b[242] = 42) },
            { nameof(DhcpDrop.Relayed), Mutate(b => b[24] = 10) },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_requests_are_counted_and_dropped(string reason, byte[] datagram)
    {
        var server = NewServer();
        Assert.Null(server.Receive(datagram));
        Assert.Equal(1, server.Counters.Dropped(Enum.Parse<DhcpDrop>(reason)));
        Assert.NotNull(server.Receive(Build(DhcpMessageType.Discover, Mac1)));
    }

    [Fact]
    public void Every_truncation_of_a_request_is_handled_without_an_exception()
    {
        var server = NewServer();
        var request = Build(DhcpMessageType.Request, Mac1, requested: IPAddress.Parse("192.168.1.100"), serverId: IPAddress.Parse("192.168.1.1"),
            extra: [(DhcpOption.HostName, "pc1"u8.ToArray()), (DhcpOption.ClientIdentifier, [1, 2, 3])]);
        for (int n = 0; n < request.Length; n++) server.Receive(request.AsSpan(0, n));
        Assert.Equal(request.Length, server.Counters.Received);
    }

    [Fact]
    public void Options_overloaded_into_the_file_field_are_read()
    {
        var b = Build(DhcpMessageType.Discover, Mac1, extra: (DhcpOption.OptionOverload, [1]));
        // file field (offset 108): requested address 192.168.1.150, End.
        byte[] inFile = [DhcpOption.RequestedIpAddress, 4, 192, 168, 1, 150, DhcpOption.End];
        inFile.CopyTo(b, 108);
        Assert.True(DhcpParser.TryParse(b, out var packet, out _));
        Assert.Equal(IPAddress.Parse("192.168.1.150"), packet.RequestedAddress);
    }

    [Fact]
    public void A_repeated_option_is_concatenated_as_RFC_3396_says()
    {
        var b = Build(DhcpMessageType.Discover, Mac1, extra: [(DhcpOption.HostName, "pc"u8.ToArray()), (DhcpOption.HostName, "-7"u8.ToArray())]);
        Assert.True(DhcpParser.TryParse(b, out var packet, out _));
        Assert.Equal("pc-7", packet.HostName);
    }

    [Fact]
    public void A_host_name_with_control_characters_is_not_kept()
    {
        var b = Build(DhcpMessageType.Discover, Mac1, extra: (DhcpOption.HostName, "pc\n1"u8.ToArray()));
        Assert.True(DhcpParser.TryParse(b, out var packet, out _));
        Assert.Null(packet.HostName);
    }
}
