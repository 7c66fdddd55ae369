using System.Buffers.Binary;
using System.Net;
using Appliance.Lan.Dhcp;
using Appliance.Lan.Dns;
using Microsoft.Extensions.Time.Testing;
using static Appliance.Lan.Tests.DhcpClientPackets;

namespace Appliance.Lan.Tests;

public sealed class DhcpServerTests
{
    private static readonly IPAddress Box = IPAddress.Parse("192.168.1.1");
    private static readonly MacAddress Printer = MacAddress.FromBytes([0x52, 0x54, 0x00, 0x00, 0x00, 0x99]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    private static DhcpServerSettings Settings(string poolEnd = "192.168.1.102") => new()
    {
        ServerAddress = Box,
        PrefixLength = 24,
        PoolStart = IPAddress.Parse("192.168.1.100"),
        PoolEnd = IPAddress.Parse(poolEnd),
        LeaseTime = TimeSpan.FromHours(1),
        StaticLeases = new Dictionary<MacAddress, IPAddress> { [Printer] = IPAddress.Parse("192.168.1.20") },
        Routers = [Box],
        DnsServers = [Box],
        DomainName = "branch1.example.com",
        SearchDomains = ["corp.example.com", "example.com"],
    };

    private DhcpServer NewServer(DhcpServerSettings? settings = null)
    {
        settings ??= Settings();
        return new DhcpServer(settings, new LeaseTable(settings, _time));
    }

    private static byte[] Reply(DhcpServer server, byte[] request) =>
        (server.Receive(request) ?? throw new Xunit.Sdk.XunitException("no reply")).Write();

    private static IPAddress Dora(DhcpServer server, MacAddress mac, IPAddress? requested = null)
    {
        var offer = Reply(server, Build(DhcpMessageType.Discover, mac, requested: requested));
        var address = YourAddress(offer);
        var ack = Reply(server, Build(DhcpMessageType.Request, mac, requested: address, serverId: Box));
        Assert.Equal((byte)DhcpMessageType.Ack, ReplyOptions(ack)[DhcpOption.MessageType][0]);
        Assert.Equal(address, YourAddress(ack));
        return address;
    }

    [Fact]
    public void Offer_carries_an_address_from_the_pool_and_every_configured_option()
    {
        var server = NewServer();
        var reply = server.Receive(Build(DhcpMessageType.Discover, Mac1, xid: 0xCAFEBABE, broadcast: true))!;
        Assert.Equal(DhcpDestination.Broadcast, reply.Destination);
        byte[] wire = reply.Write();
        Assert.True(wire.Length >= 300);
        Assert.Equal(0xCAFEBABEu, BinaryPrimitives.ReadUInt32BigEndian(wire.AsSpan(4)));
        Assert.Equal(0x80, wire[10]);
        Assert.Equal(IPAddress.Parse("192.168.1.100"), YourAddress(wire));
        Assert.Equal(Mac1, MacAddress.FromBytes(wire.AsSpan(28, 6)));
        var o = ReplyOptions(wire);
        Assert.Equal([(byte)DhcpMessageType.Offer], o[DhcpOption.MessageType]);
        Assert.Equal(Box.GetAddressBytes(), o[DhcpOption.ServerIdentifier]);
        Assert.Equal(3600u, BinaryPrimitives.ReadUInt32BigEndian(o[DhcpOption.IpAddressLeaseTime]));
        Assert.Equal(1800u, BinaryPrimitives.ReadUInt32BigEndian(o[DhcpOption.RenewalTime]));
        Assert.Equal(3150u, BinaryPrimitives.ReadUInt32BigEndian(o[DhcpOption.RebindingTime]));
        Assert.Equal(new byte[] { 255, 255, 255, 0 }, o[DhcpOption.SubnetMask]);
        Assert.Equal(new byte[] { 192, 168, 1, 255 }, o[DhcpOption.BroadcastAddress]);
        Assert.Equal(Box.GetAddressBytes(), o[DhcpOption.Router]);
        Assert.Equal(Box.GetAddressBytes(), o[DhcpOption.DomainNameServer]);
        Assert.Equal("branch1.example.com"u8.ToArray(), o[DhcpOption.DomainName]);
        // RFC 3397 §2: each name in DNS wire form.
        Assert.Equal("\u0004corp\u0007example\u0003com\0\u0007example\u0003com\0"u8.ToArray(), o[DhcpOption.DomainSearch]);
        Assert.Equal(1, server.Counters.Offers);
    }

    [Fact]
    public void Discover_request_ack_binds_the_offered_address()
    {
        var server = NewServer();
        var address = Dora(server, Mac1);
        var lease = server.Leases.Find(Mac1)!;
        Assert.Equal(LeaseState.Bound, lease.State);
        Assert.Equal(address, lease.Address);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(1), lease.Expires);
        Assert.Equal(1, server.Counters.Acks);
        Assert.True(server.Leases.Dirty);
    }

    [Fact]
    public void An_offered_address_is_held_for_its_client_and_a_second_client_gets_the_next()
    {
        var server = NewServer();
        var first = YourAddress(Reply(server, Build(DhcpMessageType.Discover, Mac1)));
        var second = YourAddress(Reply(server, Build(DhcpMessageType.Discover, Mac2, requested: first)));
        Assert.NotEqual(first, second);
        // The second client asking for the first one's address is refused.
        var nak = Reply(server, Build(DhcpMessageType.Request, Mac2, requested: first, serverId: Box));
        Assert.Equal((byte)DhcpMessageType.Nak, ReplyOptions(nak)[DhcpOption.MessageType][0]);
        Assert.Equal(IPAddress.Any, YourAddress(nak));
        Assert.Equal(1, server.Counters.Naks);
    }

    [Fact]
    public void A_request_for_another_server_is_silent_and_frees_our_offer()
    {
        var server = NewServer();
        var offered = YourAddress(Reply(server, Build(DhcpMessageType.Discover, Mac1)));
        Assert.Null(server.Receive(Build(DhcpMessageType.Request, Mac1, requested: IPAddress.Parse("192.168.1.77"), serverId: IPAddress.Parse("192.168.1.254"))));
        Assert.Equal(1, server.Counters.Dropped(DhcpDrop.OtherServer));
        Assert.Equal(offered, YourAddress(Reply(server, Build(DhcpMessageType.Discover, Mac2, requested: offered))));
    }

    [Fact]
    public void A_static_lease_is_given_whatever_the_client_asks_for_and_nobody_else_gets_it()
    {
        var server = NewServer(Settings() with { PoolStart = IPAddress.Parse("192.168.1.19"), PoolEnd = IPAddress.Parse("192.168.1.21") });
        Assert.Equal(IPAddress.Parse("192.168.1.20"), Dora(server, Printer, requested: IPAddress.Parse("192.168.1.21")));
        Assert.Equal(IPAddress.Parse("192.168.1.19"), Dora(server, Mac1, requested: IPAddress.Parse("192.168.1.20")));
        Assert.Equal(IPAddress.Parse("192.168.1.21"), Dora(server, Mac2));
    }

    [Fact]
    public void Renewing_extends_the_lease_and_answers_to_the_client_address()
    {
        var server = NewServer();
        var address = Dora(server, Mac1);
        _time.Advance(TimeSpan.FromMinutes(30));
        var reply = server.Receive(Build(DhcpMessageType.Request, Mac1, ciaddr: address))!;
        Assert.Equal(DhcpDestination.ClientAddress, reply.Destination);
        var wire = reply.Write();
        Assert.Equal(address, new IPAddress(wire.AsSpan(12, 4))); // ciaddr echoed
        Assert.Equal(address, YourAddress(wire));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(1), server.Leases.Find(Mac1)!.Expires);
    }

    [Fact]
    public void Init_reboot_of_an_unknown_client_is_silent_and_a_wrong_network_gets_a_nak()
    {
        var server = NewServer();
        Assert.Null(server.Receive(Build(DhcpMessageType.Request, Mac1, requested: IPAddress.Parse("192.168.1.101"))));
        Assert.Equal(1, server.Counters.Dropped(DhcpDrop.NoRecord));
        var nak = Reply(server, Build(DhcpMessageType.Request, Mac1, requested: IPAddress.Parse("10.0.0.5")));
        Assert.Equal((byte)DhcpMessageType.Nak, ReplyOptions(nak)[DhcpOption.MessageType][0]);
        // A known client rebooting gets its address confirmed.
        var address = Dora(server, Mac2);
        Assert.Equal(address, YourAddress(Reply(server, Build(DhcpMessageType.Request, Mac2, requested: address))));
    }

    [Fact]
    public void A_released_address_returns_to_its_client_and_others_get_never_used_ones_first()
    {
        var server = NewServer();
        var address = Dora(server, Mac1);
        Assert.Null(server.Receive(Build(DhcpMessageType.Release, Mac1, ciaddr: address, serverId: Box)));
        Assert.Equal(1, server.Counters.Releases);
        Assert.Equal(LeaseState.Released, server.Leases.Find(Mac1)!.State);
        Assert.NotEqual(address, Dora(server, Mac2));
        Assert.Equal(address, Dora(server, Mac1));
    }

    [Fact]
    public void A_declined_address_stays_out_of_the_pool_for_the_hold_time()
    {
        var server = NewServer(Settings("192.168.1.100"));
        var address = Dora(server, Mac1);
        Assert.Null(server.Receive(Build(DhcpMessageType.Decline, Mac1, requested: address, serverId: Box)));
        Assert.Equal(1, server.Counters.Declines);
        Assert.Null(server.Receive(Build(DhcpMessageType.Discover, Mac2)));
        Assert.Equal(1, server.Counters.Dropped(DhcpDrop.PoolExhausted));
        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(address, Dora(server, Mac2));
    }

    [Fact]
    public void A_full_pool_offers_nothing_until_a_lease_expires_then_reuses_the_longest_free()
    {
        var server = NewServer(Settings("192.168.1.101"));
        var a = Dora(server, Mac1);
        _time.Advance(TimeSpan.FromMinutes(10));
        Dora(server, Mac2);
        var third = MacAddress.FromBytes([2, 0, 0, 0, 0, 3]);
        Assert.Null(server.Receive(Build(DhcpMessageType.Discover, third)));
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(a, Dora(server, third));
    }

    [Fact]
    public void Inform_gets_parameters_without_an_address_or_lease_time()
    {
        var server = NewServer();
        var client = IPAddress.Parse("192.168.1.50");
        var reply = server.Receive(Build(DhcpMessageType.Inform, Mac1, ciaddr: client))!;
        Assert.Equal(DhcpDestination.ClientAddress, reply.Destination);
        var wire = reply.Write();
        Assert.Equal(IPAddress.Any, YourAddress(wire));
        var o = ReplyOptions(wire);
        Assert.Equal((byte)DhcpMessageType.Ack, o[DhcpOption.MessageType][0]);
        Assert.False(o.ContainsKey(DhcpOption.IpAddressLeaseTime));
        Assert.Equal(Box.GetAddressBytes(), o[DhcpOption.DomainNameServer]);
        Assert.Equal(1, server.Counters.Informs);
        Assert.Null(server.Leases.Find(Mac1));
    }

    [Fact]
    public void The_client_identifier_is_echoed()
    {
        var server = NewServer();
        byte[] id = [1, 0x52, 0x54, 0, 0, 0, 1];
        var o = ReplyOptions(Reply(server, Build(DhcpMessageType.Discover, Mac1, extra: (DhcpOption.ClientIdentifier, id))));
        Assert.Equal(id, o[DhcpOption.ClientIdentifier]);
    }

    [Fact]
    public void A_search_list_longer_than_255_bytes_is_split_into_consecutive_options()
    {
        var domains = Enumerable.Range(0, 12).Select(i => $"site{i}.department.corp.example.com").ToList();
        var server = NewServer(Settings() with { SearchDomains = domains });
        var wire = Reply(server, Build(DhcpMessageType.Discover, Mac1));
        byte[] expected = [.. domains.SelectMany(DnsName.Encode)];
        Assert.True(expected.Length > 255);
        Assert.Equal(expected, ReplyOptions(wire)[DhcpOption.DomainSearch]);
    }

    [Fact]
    public void The_lease_table_survives_a_restart_through_the_lease_file()
    {
        string dir = Directory.CreateTempSubdirectory("ln-leases-").FullName;
        try
        {
            var server = NewServer();
            var address = Dora(server, Mac1);
            string path = Path.Combine(dir, LeaseFile.FileName);
            LeaseFile.Save(path, server.Leases.Persistent);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

            var restarted = NewServer();
            Assert.Equal(0, restarted.Leases.Load(LeaseFile.Load(path)));
            _time.Advance(TimeSpan.FromMinutes(40));
            var reply = Reply(restarted, Build(DhcpMessageType.Request, Mac1, ciaddr: address));
            Assert.Equal(address, YourAddress(reply));
            Assert.NotEqual(address, Dora(restarted, Mac2));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Records_that_no_longer_fit_the_configuration_are_dropped_at_load()
    {
        var table = new LeaseTable(Settings(), _time);
        int dropped = table.Load([
            new DhcpLease(Mac1, IPAddress.Parse("10.1.1.1"), LeaseState.Bound, _time.GetUtcNow().AddHours(1)),
            new DhcpLease(Mac2, IPAddress.Parse("192.168.1.20"), LeaseState.Bound, _time.GetUtcNow().AddHours(1)),
            new DhcpLease(Printer, IPAddress.Parse("192.168.1.20"), LeaseState.Bound, _time.GetUtcNow().AddHours(1)),
        ]);
        Assert.Equal(2, dropped);
        Assert.Equal(IPAddress.Parse("192.168.1.20"), table.Find(Printer)!.Address);
    }

    [Fact]
    public void A_damaged_lease_file_is_reported_as_invalid_data()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("ln-leases-").FullName, LeaseFile.FileName);
        File.WriteAllText(path, "{ \"version\": 1, \"leases\": [ { \"mac\": \"zz\" } ] }");
        Assert.Throws<InvalidDataException>(() => LeaseFile.Load(path));
        File.WriteAllText(path, "{ not json");
        Assert.Throws<InvalidDataException>(() => LeaseFile.Load(path));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void Settings_problems_name_the_setting()
    {
        var bad = Settings() with
        {
            PoolStart = IPAddress.Parse("10.0.0.1"),
            LeaseTime = TimeSpan.FromSeconds(30),
            StaticLeases = new Dictionary<MacAddress, IPAddress> { [Mac1] = Box },
        };
        var problems = bad.Problems().Select(p => p.Setting).ToList();
        Assert.Equal(["PoolStart", "LeaseTime", "StaticLeases"], problems);
        Assert.Empty(Settings().Problems());
    }
}
