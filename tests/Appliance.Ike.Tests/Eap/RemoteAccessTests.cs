using System.Net;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Eap;

/// <summary>
/// The box as remote-access responder (RFC 7296 §2.16, §3.15): EAP-MSCHAPv2 clients in memory get virtual IPs, DNS and a
/// Child SA narrowed to their address; failures, lock-out, pool exhaustion and address release.
/// </summary>
public class RemoteAccessTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static T Single<T>(List<IkeEvent> events) where T : IkeEvent => Assert.Single(events.OfType<T>());

    [Fact]
    public void Client_gets_virtual_ip_dns_and_a_child_sa_narrowed_to_it()
    {
        using var net = new RemoteAccessNet();
        var alice = net.AddClient("alice", "alice's long passphrase");
        net.Connect(alice);

        VirtualAddressAssignment given = Single<VirtualAddressesAssigned>(alice.Events).Assignment;
        Assert.Equal([IPAddress.Parse("10.99.0.1")], given.Addresses);
        Assert.Equal([IPAddress.Parse("192.168.1.1")], given.Dns); // IPv4 DNS only: the client asked for IPv4 only
        Assert.Equal(["office.example", "corp.example"], given.DnsDomains);

        ChildSaInfo box = Single<ChildSaEstablished>(net.BoxEvents).Child;
        ChildSaInfo client = Single<ChildSaEstablished>(alice.Events).Child;
        Assert.Equal("10.99.0.1/32", Assert.Single(box.RemoteTs).ToString());
        Assert.Equal("192.168.1.0/24", Assert.Single(box.LocalTs).ToString());
        Assert.Equal("10.99.0.1/32", Assert.Single(client.LocalTs).ToString());
        Assert.Equal(client.OutboundSpi, box.InboundSpi);
        Assert.Equal(client.Outbound.EncryptionKey, box.Inbound.EncryptionKey);
        Assert.Equal(box.Outbound.EncryptionKey, client.Inbound.EncryptionKey);

        var connected = Single<RemoteAccessClientConnected>(net.BoxEvents);
        Assert.Equal("alice", connected.User);
        RemoteAccessClientStatus status = Assert.Single(Assert.Single(net.Box.GetStatus().Tunnels).Clients);
        Assert.Equal("alice", status.User);
        Assert.Equal(alice.Address, status.Remote.Address);
        Assert.Equal([IPAddress.Parse("10.99.0.1")], status.VirtualIps);
        Assert.Single(status.ChildSas);
        Assert.Empty(net.BoxEvents.OfType<AuthenticationFailed>());
    }

    [Fact]
    public void Ike_auth_takes_five_round_trips_identity_challenge_success_and_auth()
    {
        using var net = new RemoteAccessNet();
        var alice = net.AddClient("alice", "alice's long passphrase");
        long before = alice.Engine.Counters[IkeCounter.DatagramsSent];
        net.Connect(alice);
        // IKE_SA_INIT + IKE_AUTH without AUTH + EAP identity + MS-CHAPv2 response + success ack + AUTH from the MSK.
        Assert.Equal(6, alice.Engine.Counters[IkeCounter.DatagramsSent] - before);
        Assert.Single(alice.Events.OfType<IkeSaEstablished>());
    }

    [Fact]
    public void IPv6_pool_and_dns_when_the_client_asks_for_them()
    {
        using var net = new RemoteAccessNet(pool6: "fd00:99::/64");
        var alice = net.AddClient("alice", "alice's long passphrase", ip6: true);
        net.Connect(alice);
        VirtualAddressAssignment given = Single<VirtualAddressesAssigned>(alice.Events).Assignment;
        Assert.Equal([IPAddress.Parse("10.99.0.1"), IPAddress.Parse("fd00:99::1")], given.Addresses);
        Assert.Equal([IPAddress.Parse("192.168.1.1"), IPAddress.Parse("fd00:1::1")], given.Dns);
        ChildSaInfo box = Single<ChildSaEstablished>(net.BoxEvents).Child;
        // The client proposed 0.0.0.0/0 and ::/0; each is narrowed to its own virtual address. The box's IPv6 side has no
        // LocalTs, so its TSr stays IPv4.
        Assert.Contains(box.RemoteTs, ts => ts.ToString() == "10.99.0.1/32");
        Assert.Contains(box.RemoteTs, ts => ts.ToString() == "fd00:99::1/128");
    }

    [Fact]
    public void Two_clients_at_once_get_distinct_addresses_and_their_own_sas()
    {
        using var net = new RemoteAccessNet();
        var alice = net.AddClient("alice", "alice's long passphrase");
        var bob = net.AddClient("bob", "bob's long passphrase");
        alice.Engine.Initiate("office");
        bob.Engine.Initiate("office");
        net.Pump();
        Assert.Equal([IPAddress.Parse("10.99.0.1")], Single<VirtualAddressesAssigned>(alice.Events).Assignment.Addresses);
        Assert.Equal([IPAddress.Parse("10.99.0.2")], Single<VirtualAddressesAssigned>(bob.Events).Assignment.Addresses);
        Assert.Equal(2, net.BoxEvents.OfType<ChildSaEstablished>().Count());
        Assert.Equal(["10.99.0.1/32", "10.99.0.2/32"],
            net.BoxEvents.OfType<ChildSaEstablished>().Select(e => e.Child.RemoteTs.Single().ToString()).Order());
        Assert.Equal(2, net.Box.GetStatus().Tunnels.Single().Clients.Count);
        Assert.Empty(net.BoxEvents.OfType<IkeSaDeleted>()); // neither replaced the other
    }

    [Fact]
    public void Wrong_password_is_refused_with_AUTHENTICATION_FAILED_and_logs_the_user_but_never_the_secret()
    {
        using var net = new RemoteAccessNet();
        var alice = net.AddClient("alice", "a wrong guess");
        net.Connect(alice);

        Assert.Contains("AUTHENTICATION_FAILED", Single<AuthenticationFailed>(alice.Events).Detail);
        Assert.Contains("'alice': wrong password", Single<AuthenticationFailed>(net.BoxEvents).Detail);
        Assert.Empty(net.BoxEvents.OfType<ChildSaEstablished>());
        Assert.Empty(alice.Events.OfType<IkeSaEstablished>());
        Assert.Equal(1, net.Box.Counters[IkeCounter.AuthenticationFailed]);
        Assert.Equal(1, net.Box.EapFailuresByUser()["alice"]);
        Assert.Empty(net.Box.GetStatus().Tunnels.Single().Clients);
        string log = string.Join('\n', net.BoxLog.Lines);
        Assert.Contains("alice", log);
        Assert.DoesNotContain("passphrase", log);
        Assert.DoesNotContain("guess", log);
        Assert.DoesNotContain(Convert.ToHexString(Ike.Eap.MsChapV2.NtPasswordHash("alice's long passphrase")), log, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Unknown_user_fails_like_a_wrong_password()
    {
        using var net = new RemoteAccessNet();
        var mallory = net.AddClient("mallory", "anything");
        net.Connect(mallory);
        Assert.Contains("AUTHENTICATION_FAILED", Single<AuthenticationFailed>(mallory.Events).Detail);
        Assert.Contains("'mallory': unknown user", Single<AuthenticationFailed>(net.BoxEvents).Detail);
    }

    [Fact]
    public void Repeated_failures_lock_the_user_out_until_the_lock_out_time_passed()
    {
        using var net = new RemoteAccessNet(maxFailures: 3, lockOut: TimeSpan.FromMinutes(2));
        for (int i = 0; i < 3; i++)
            net.Connect(net.AddClient("alice", $"guess {i}"));
        Assert.Equal(3, net.Box.EapFailuresByUser()["alice"]);

        // Now even the right password fails, before any password check.
        var right = net.AddClient("alice", "alice's long passphrase");
        net.Connect(right);
        Assert.Contains("locked out", net.BoxEvents.OfType<AuthenticationFailed>().Last().Detail);
        Assert.Empty(right.Events.OfType<IkeSaEstablished>());
        Assert.Equal(3, net.Box.EapFailuresByUser()["alice"]); // an attempt during the lock-out checks nothing

        // Another user is not affected.
        var bob = net.AddClient("bob", "bob's long passphrase");
        net.Connect(bob);
        Assert.Single(bob.Events.OfType<VirtualAddressesAssigned>());

        net.Advance(TimeSpan.FromMinutes(2));
        var later = net.AddClient("alice", "alice's long passphrase");
        net.Connect(later);
        Assert.Single(later.Events.OfType<VirtualAddressesAssigned>());
    }

    [Fact]
    public void Exhausted_pool_answers_INTERNAL_ADDRESS_FAILURE_without_a_child_sa()
    {
        using var net = new RemoteAccessNet(pool4: "10.99.0.0/30"); // two usable addresses
        var clients = new[] { net.AddClient("alice", "alice's long passphrase"), net.AddClient("bob", "bob's long passphrase"),
            net.AddClient("carol", "carol's long passphrase") };
        foreach (var c in clients) net.Connect(c);
        Assert.Equal(2, net.BoxEvents.OfType<ChildSaEstablished>().Count());
        Assert.Empty(clients[2].Events.OfType<ChildSaEstablished>());
        Assert.Empty(clients[2].Events.OfType<VirtualAddressesAssigned>());
        Assert.Contains("InternalAddressFailure", Single<IkeSaFailed>(clients[2].Events).Detail);
        Assert.Contains(net.BoxLog.Lines, l => l.Contains("pool 10.99.0.0/30 exhausted"));
    }

    [Fact]
    public void Address_returns_to_the_pool_when_the_client_deletes_its_sa()
    {
        using var net = new RemoteAccessNet(pool4: "10.99.0.0/30");
        var alice = net.AddClient("alice", "alice's long passphrase");
        var bob = net.AddClient("bob", "bob's long passphrase");
        net.Connect(alice);
        net.Connect(bob);
        alice.Engine.Terminate("office");
        net.Pump();
        var gone = Single<RemoteAccessClientDisconnected>(net.BoxEvents);
        Assert.Equal("alice", gone.User);
        Assert.Equal([IPAddress.Parse("10.99.0.1")], gone.VirtualIps);
        Assert.Single(net.Box.GetStatus().Tunnels.Single().Clients);

        var carol = net.AddClient("carol", "carol's long passphrase");
        net.Connect(carol);
        Assert.Equal([IPAddress.Parse("10.99.0.1")], Single<VirtualAddressesAssigned>(carol.Events).Assignment.Addresses);
    }

    [Fact]
    public void Address_returns_to_the_pool_when_dpd_finds_the_client_gone()
    {
        using var net = new RemoteAccessNet(boxOptions: new IkeEngineOptions { DpdDelay = TimeSpan.FromSeconds(30) });
        var alice = net.AddClient("alice", "alice's long passphrase");
        net.Connect(alice);
        net.Drop = (_, _, address) => address.Equals(alice.Address); // the laptop's lid closed: nothing gets through
        for (int i = 0; i < 40 && !net.BoxEvents.OfType<RemoteAccessClientDisconnected>().Any(); i++)
            net.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal([IPAddress.Parse("10.99.0.1")], Single<RemoteAccessClientDisconnected>(net.BoxEvents).VirtualIps);
        Assert.Empty(net.Box.GetStatus().Tunnels.Single().Clients);
    }

    [Fact]
    public void Eap_round_trips_survive_loss_through_retransmission()
    {
        using var net = new RemoteAccessNet();
        var alice = net.AddClient("alice", "alice's long passphrase");
        // Lose the third and fourth datagrams: an EAP request and the retransmitted... whichever; retransmission heals both.
        net.Drop = (index, _, _) => index is 3 or 6;
        alice.Engine.Initiate("office");
        net.Pump();
        for (int i = 0; i < 10 && !alice.Events.OfType<ChildSaEstablished>().Any(); i++)
            net.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(alice.Events.OfType<ChildSaEstablished>());
        Assert.Single(net.BoxEvents.OfType<ChildSaEstablished>());
        Assert.Equal([IPAddress.Parse("10.99.0.1")], Single<VirtualAddressesAssigned>(alice.Events).Assignment.Addresses);
    }

    [Fact]
    public void Client_without_eap_and_without_auth_is_refused()
    {
        using var net = new RemoteAccessNet();
        // A PSK client against the remote-access tunnel: AUTH is present but the tunnel authenticates clients by EAP only.
        var psk = new IkeEngine(net.Time, new Engine.SeededRandom(5));
        psk.AddTunnel(Engine.TestPeers.Config("office", IPAddress.Parse("198.51.100.50"), RemoteAccessNet.BoxAddress, "x@example.com",
            RemoteAccessNet.BoxId, localTs: "10.99.0.7/32", remoteTs: "192.168.1.0/24"));
        net.Clients.Add(new RemoteAccessNet.Client("psk", psk, IPAddress.Parse("198.51.100.50"), []));
        net.Connect(net.Clients[^1]);
        Assert.Empty(net.BoxEvents.OfType<ChildSaEstablished>());
        Assert.Single(net.BoxEvents.OfType<AuthenticationFailed>());
    }

    [Fact]
    public void An_ike_rekey_keeps_the_clients_virtual_ip()
    {
        using var net = new RemoteAccessNet(boxOptions: new IkeEngineOptions { IkeSaRekeyTime = TimeSpan.FromMinutes(10) });
        var alice = net.AddClient("alice", "alice's long passphrase");
        net.Connect(alice);
        net.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(2, net.BoxEvents.OfType<IkeSaEstablished>().Count()); // the box rekeyed the IKE SA
        Assert.Empty(net.BoxEvents.OfType<RemoteAccessClientDisconnected>());
        RemoteAccessClientStatus client = Assert.Single(net.Box.GetStatus().Tunnels.Single().Clients);
        Assert.Equal([IPAddress.Parse("10.99.0.1")], client.VirtualIps);
        alice.Engine.Terminate("office");
        net.Pump();
        Assert.Equal([IPAddress.Parse("10.99.0.1")], Single<RemoteAccessClientDisconnected>(net.BoxEvents).VirtualIps);
    }

    [Fact]
    public void Two_hundred_clients_at_once_each_get_their_own_address()
    {
        using var net = new RemoteAccessNet(pool4: "10.99.0.0/23");
        // Distinct users: a user's new IKE SA with INITIAL_CONTACT replaces that user's older one.
        for (int i = 0; i < 200; i++) net.Users.AddPassword($"user{i}", $"password of user {i}");
        var clients = Enumerable.Range(0, 200).Select(i => net.AddClient($"user{i}", $"password of user {i}", address: $"198.51.100.{10 + i}")).ToList();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var c in clients) c.Engine.Initiate("office");
        net.Pump(maxRounds: 2000);
        watch.Stop();
        var addresses = clients.Select(c => Single<VirtualAddressesAssigned>(c.Events).Assignment.Addresses.Single()).ToList();
        Assert.Equal(200, addresses.Distinct().Count());
        Assert.Equal(200, net.Box.GetStatus().Tunnels.Single().Clients.Count);
        // Both ends in one process (curve25519, ECDSA P-256 signature and verification, EAP-MSCHAPv2): a rough rate only.
        output.WriteLine($"200 EAP-MSCHAPv2 clients in {watch.ElapsedMilliseconds} ms: {200 / watch.Elapsed.TotalSeconds:0} handshakes/s (client and box in one process)");
    }
}
