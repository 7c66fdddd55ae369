using System.Net;
using Appliance.Lan.Dns;

namespace Appliance.Lan.Dhcp;

/// <summary>
/// The server side of RFC 2131 §4.3 for one directly attached LAN, free of sockets and clocks: a validated
/// request in, a reply (or a counted reason for silence) out. The lease table carries the state.
/// </summary>
public sealed class DhcpServer
{
    private readonly DhcpServerSettings _settings;
    private readonly byte[] _searchList;

    public DhcpServer(DhcpServerSettings settings, LeaseTable leases)
    {
        _settings = settings;
        Leases = leases;
        // RFC 3397: the search list is a sequence of DNS names in wire form (written uncompressed).
        _searchList = [.. settings.SearchDomains.SelectMany(DnsName.Encode)];
    }

    public LeaseTable Leases { get; }
    public DhcpCounters Counters { get; } = new();

    /// <summary>Parses and answers one datagram; null when nothing is to be sent (a drop's reason is counted).</summary>
    public DhcpReply? Receive(ReadOnlySpan<byte> datagram)
    {
        Counters.CountReceived();
        if (!DhcpParser.TryParse(datagram, out var packet, out var malformed))
        {
            Counters.CountDrop(malformed);
            return null;
        }
        var reply = Handle(packet, out var reason);
        if (reason is { } r) Counters.CountDrop(r);
        if (reply is not null) Counters.CountSent(reply.MessageType, packet.MessageType == DhcpMessageType.Inform);
        return reply;
    }

    public DhcpReply? Handle(DhcpPacket p, out DhcpDrop? drop)
    {
        drop = null;
        if (!p.RelayAddress.Equals(IPAddress.Any)) { drop = DhcpDrop.Relayed; return null; }
        if (p.ServerIdentifier is { } sid && !sid.Equals(_settings.ServerAddress))
        {
            // RFC 2131 §4.3.2: the client chose another server; our offer is free again.
            if (p.MessageType == DhcpMessageType.Request) Leases.Withdraw(p.ClientHardware);
            drop = DhcpDrop.OtherServer;
            return null;
        }
        return p.MessageType switch
        {
            DhcpMessageType.Discover => Discover(p, out drop),
            DhcpMessageType.Request => Request(p, out drop),
            DhcpMessageType.Decline => Decline(p, out drop),
            DhcpMessageType.Release => Release(p, out drop),
            DhcpMessageType.Inform => Inform(p),
            _ => Fail(DhcpDrop.BadMessageType, out drop),
        };
    }

    private DhcpReply? Discover(DhcpPacket p, out DhcpDrop? drop)
    {
        drop = null;
        var address = Leases.Choose(p.ClientHardware, p.RequestedAddress);
        if (address is null) return Fail(DhcpDrop.PoolExhausted, out drop);
        Leases.Offer(p.ClientHardware, address);
        return Lease(DhcpMessageType.Offer, p, address, DhcpDestination.Broadcast);
    }

    private DhcpReply? Request(DhcpPacket p, out DhcpDrop? drop)
    {
        drop = null;
        var mac = p.ClientHardware;
        bool renewing = !p.ClientAddress.Equals(IPAddress.Any);
        IPAddress? wanted = p.ServerIdentifier is not null || !renewing ? p.RequestedAddress : p.ClientAddress;
        if (wanted is null || wanted.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            return Fail(DhcpDrop.MalformedOptions, out drop);

        if (p.ServerIdentifier is null)
        {
            // INIT-REBOOT (option 50, no ciaddr) or RENEWING/REBINDING (ciaddr): a wrong network gets a NAK,
            // a client we know nothing of gets silence so another server may answer (§4.3.2).
            if ((Ipv4.ToUInt32(wanted) & _settings.Mask) != _settings.Network) return Nak(p);
            if (Leases.Find(mac) is null && !_settings.StaticLeases.ContainsKey(mac)) return Fail(DhcpDrop.NoRecord, out drop);
        }
        if (!Leases.CanAssign(mac, wanted)) return Nak(p);
        Leases.Bind(mac, wanted, p.HostName);
        return Lease(DhcpMessageType.Ack, p, wanted, renewing ? DhcpDestination.ClientAddress : DhcpDestination.Broadcast);
    }

    private DhcpReply? Decline(DhcpPacket p, out DhcpDrop? drop)
    {
        drop = null;
        if (p.RequestedAddress is not { } address || !Leases.Decline(p.ClientHardware, address))
            return Fail(DhcpDrop.NoRecord, out drop);
        Counters.CountDecline();
        return null;
    }

    private DhcpReply? Release(DhcpPacket p, out DhcpDrop? drop)
    {
        drop = null;
        if (!Leases.Release(p.ClientHardware, p.ClientAddress)) return Fail(DhcpDrop.NoRecord, out drop);
        Counters.CountRelease();
        return null;
    }

    // RFC 2131 §3.4: the client has its address already and wants only the parameters: no yiaddr, no lease time.
    private DhcpReply Inform(DhcpPacket p)
    {
        var reply = new DhcpReply
        {
            MessageType = DhcpMessageType.Ack,
            Request = p,
            Destination = p.ClientAddress.Equals(IPAddress.Any) ? DhcpDestination.Broadcast : DhcpDestination.ClientAddress,
        };
        reply.Add(DhcpOption.ServerIdentifier, _settings.ServerAddress);
        AddParameters(reply);
        EchoClientId(p, reply);
        return reply;
    }

    private DhcpReply Lease(DhcpMessageType type, DhcpPacket p, IPAddress address, DhcpDestination destination)
    {
        var reply = new DhcpReply { MessageType = type, Request = p, YourAddress = address, Destination = destination };
        uint seconds = (uint)Math.Min(_settings.LeaseTime.TotalSeconds, uint.MaxValue - 1);
        reply.Add(DhcpOption.ServerIdentifier, _settings.ServerAddress);
        reply.Add(DhcpOption.IpAddressLeaseTime, seconds);
        // T1 and T2 at RFC 2131 §4.4.5's defaults: 0.5 and 0.875 of the lease.
        reply.Add(DhcpOption.RenewalTime, seconds / 2);
        reply.Add(DhcpOption.RebindingTime, (uint)(seconds * 7L / 8));
        AddParameters(reply);
        EchoClientId(p, reply);
        return reply;
    }

    private void AddParameters(DhcpReply reply)
    {
        reply.Add(DhcpOption.SubnetMask, _settings.SubnetMask);
        reply.Add(DhcpOption.BroadcastAddress, _settings.Broadcast);
        if (_settings.Routers.Count > 0) reply.Add(DhcpOption.Router, [.. _settings.Routers.SelectMany(a => a.GetAddressBytes())]);
        if (_settings.DnsServers.Count > 0)
            reply.Add(DhcpOption.DomainNameServer, [.. _settings.DnsServers.SelectMany(a => a.GetAddressBytes())]);
        if (_settings.DomainName is { Length: > 0 } domain) reply.Add(DhcpOption.DomainName, System.Text.Encoding.ASCII.GetBytes(domain));
        if (_searchList.Length > 0) reply.Add(DhcpOption.DomainSearch, _searchList);
    }

    // RFC 6842: a server MUST return the client identifier the client sent.
    private static void EchoClientId(DhcpPacket p, DhcpReply reply)
    {
        if (p.Option(DhcpOption.ClientIdentifier) is { Length: > 0 } id) reply.Add(DhcpOption.ClientIdentifier, id);
    }

    private DhcpReply Nak(DhcpPacket p)
    {
        // RFC 2131 §4.1: a NAK carries no address and is broadcast when there is no relay.
        var reply = new DhcpReply { MessageType = DhcpMessageType.Nak, Request = p, Destination = DhcpDestination.Broadcast };
        reply.Add(DhcpOption.ServerIdentifier, _settings.ServerAddress);
        EchoClientId(p, reply);
        return reply;
    }

    private static DhcpReply? Fail(DhcpDrop reason, out DhcpDrop? drop)
    {
        drop = reason;
        return null;
    }
}
