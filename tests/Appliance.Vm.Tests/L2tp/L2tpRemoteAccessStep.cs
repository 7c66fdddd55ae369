using Appliance.Vm.Tests.Harness;

namespace Appliance.Vm.Tests.L2tp;

/// <summary>
/// PREPARED, NOT YET A STEP: the issue-16 interop check against the shipped box, for when the box serves
/// L2TP/IPsec. ShippedBoxTests has it as a commented-out Step(11); enable it there once the service answers IKEv1.
/// Two Linux clients set up like Windows' built-in L2TP/IPsec client (tools/systest/l2tp-client), both behind ONE
/// home-router NAT address (the usual case, and the one a kernel-policy LNS cannot serve twice in transport mode):
/// each gets a pool address and the DNS server, pings the LAN host through the box; a wrong password is refused;
/// disconnect frees the address in `appliance status`.
/// <para>TO BE CONFIRMED once the service is wired: the keys are those of README "Remote access with L2TP/IPsec" on the
/// lead's branch l2tpwire (Appliance:L2tp:Enabled, Psk, Pool as a CIDR whose first host is the box's PPP end, Dns as a
/// list), set here through /etc/default/appliance as APPLIANCE__L2tp__* (as the x86_64 run sets its console); and that
/// `appliance status` lists each session with the address given ("l2tp: pool 10.78.0.0/24, N session(s)").</para>
/// </summary>
public static class L2tpRemoteAccessStep
{
    public const string Psk = "l2tp system test psk";
    public const string Pool = "10.78.0.0/24", PoolFirst = "10.78.0.2", PoolLast = "10.78.0.254";
    public const string Dns = SystemTopology.BoxLan;
    public static readonly (string User, string Password)[] Users = [("alice", "alice l2tp secret"), ("bob", "bob l2tp secret")];

    public static void Run(ShippedBox box)
    {
        // --- TO BE CONFIRMED: the L2TP section's keys and the users' command (appliance user add reads one line). ---
        box.Guest($$"""
            set -e
            sed -i '/^APPLIANCE__L2tp__/d' /etc/default/appliance
            cat >> /etc/default/appliance <<'EOF'
            APPLIANCE__L2tp__Enabled=true
            APPLIANCE__L2tp__Psk={{Psk}}
            APPLIANCE__L2tp__Pool={{Pool}}
            APPLIANCE__L2tp__Dns__0={{Dns}}
            EOF
            """);
        foreach (var (user, password) in Users)
            box.Guest($"appliance user del {user} >/dev/null 2>&1 || true; printf '%s\\n' '{password}' | appliance user add {user}");
        int before = box.ServicePid();
        box.Guest("systemctl restart appliance.service");
        box.WaitServiceActive(TimeSpan.FromMinutes(4), not: before);
        box.WaitTunnelUp(TimeSpan.FromMinutes(3));
        // --- end of the part to confirm ---

        var clients = new L2tpClients(box);
        try
        {
            clients.NatUp();
            // Both behind the same public address 10.99.0.60: the box tells them apart by their UDP-encapsulation ports.
            clients.Up("c1", 1, Psk, Users[0].User, "a wrong password");
            clients.Up("c2", 2, Psk, Users[1].User, Users[1].Password);

            var refused = clients.Connect("c1");
            Assert.True(refused.ExitCode == 3, $"a wrong password was not refused ({refused.ExitCode}):\n{refused.Output}\n{clients.Logs("c1")}\n{box.Journal()}");

            clients.SetPassword("c1", Users[0].Password);
            var s1 = Connected(box, clients, "c1");
            var s2 = Connected(box, clients, "c2");
            Assert.NotEqual(s1.Local, s2.Local);
            foreach (var (name, s) in new[] { ("c1", s1), ("c2", s2) })
            {
                Assert.True(InPool(s.Local), $"{name}: {s.Local} is not a client address of the pool {Pool}");
                Assert.Equal(Dns, s.Dns1);
                Assert.Contains($"nameserver {Dns}", clients.ResolvConf(name), StringComparison.Ordinal);
                var ping = clients.Ping(name, SystemTopology.LanHostAddress);
                Assert.True(ping.ExitCode == 0, $"{name} → LAN host through the box failed:\n{ping.Output}\n{clients.Sas(name)}\n{box.Journal()}");
            }
            // Both listed while connected; after c1's disconnect its address is free again and c2 still works.
            string status = box.Guest("appliance status");
            Assert.Contains($"l2tp: pool {Pool}, 2 sessions", status, StringComparison.Ordinal);
            Assert.Contains(s1.Local, status, StringComparison.Ordinal);
            Assert.Contains(s2.Local, status, StringComparison.Ordinal);
            clients.Disconnect("c1");
            Assert.True(Shell.WaitUntil(() => !box.Guest("appliance status").Contains(s1.Local, StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
                $"{s1.Local} still in appliance status after c1 disconnected:\n{box.Guest("appliance status")}");
            Assert.Contains(s2.Local, box.Guest("appliance status"), StringComparison.Ordinal);
            Assert.Equal(0, clients.Ping("c2", SystemTopology.LanHostAddress).ExitCode);
            // The box kept serving the site tunnel meanwhile.
            box.WaitTunnelUp(TimeSpan.FromMinutes(1));
        }
        finally
        {
            clients.Down("c1");
            clients.Down("c2");
            clients.NatDown();
        }
    }

    private static L2tpClients.Session Connected(ShippedBox box, L2tpClients clients, string name)
    {
        var r = clients.Connect(name);
        Assert.True(r.ExitCode == 0 && r.Session is not null, $"{name} did not connect ({r.ExitCode}):\n{r.Output}\n{clients.Logs(name)}\n{box.Journal()}");
        return r.Session!;
    }

    private static bool InPool(string address) =>
        System.Net.IPAddress.TryParse(address, out var a) && Number(a) >= Number(System.Net.IPAddress.Parse(PoolFirst))
        && Number(a) <= Number(System.Net.IPAddress.Parse(PoolLast));

    private static uint Number(System.Net.IPAddress a) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(a.GetAddressBytes());
}
