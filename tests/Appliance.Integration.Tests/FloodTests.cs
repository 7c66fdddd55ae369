using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Appliance.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Hostile input on the WAN (issue 18), against the published binary in namespaces, each bounded in count and time so
/// the set fits CI. The bounds each test states are the ones the README's "Hostile input" section lists.
/// </summary>
public sealed class FloodTests(ITestOutputHelper output)
{
    private const string Psk = "a shared secret", Ike = "aes256gcm16-prfsha256-curve25519", Esp = "aes256gcm16";
    private static readonly IPAddress BoxWan = IPAddress.Parse(HqTopology.BoxWan), HqWan = IPAddress.Parse(HqTopology.HqWan);

    // The engine's defaults (IkeEngineOptions) the bounds below follow from.
    private const int CookieThreshold = 30, HalfOpenLimit = 256;

    /// <summary>The box as a responder-only tunnel (%any) that HQ's strongSwan initiates to, with a default route to HQ.</summary>
    private static (HqTopology Topo, StrongSwanPeer Hq, ApplianceProcess Box) ResponderBox(int? halfOpenPerSource = null)
    {
        var topo = new HqTopology();
        Shell.Check("ip", "-n", topo.Box, "route", "add", "default", "via", HqTopology.HqWan);
        var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk));
        string conf = HqTopology.BoxConfig(Ike, Esp, Psk, start: "none", remote: "%any");
        // Appliance:Ike:HalfOpenPerSource: a test whose attackers share one address lifts the per-source share.
        if (halfOpenPerSource is { } share)
            conf = conf.Replace("\"Board\": \"simulated\",", $"\"Board\": \"simulated\", \"Ike\": {{ \"HalfOpenPerSource\": {share} }},", StringComparison.Ordinal);
        var box = new ApplianceProcess(topo.Box, conf);
        Assert.True(box.WaitForControlSocket(TimeSpan.FromSeconds(20)), "no control socket:\n" + box.Log);
        Assert.True(Shell.WaitUntil(() => box.Log.Contains("IKE listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), box.Log);
        return (topo, hq, box);
    }

    /// <summary>
    /// 6000 IKE_SA_INIT requests from 6000 spoofed sources (198.18.0.0/15, which HQ's router blackholes, so no answer ever
    /// comes back) at about 3000 per second while HQ's strongSwan connects. Bounds: cookies engage (every request past
    /// the threshold that the box read is answered with a COOKIE), half-open IKE SAs never exceed the cookie threshold
    /// (30) plus strongSwan's own, the service's RSS stays under 64 MiB, strongSwan's Child SA is up within 10 s of its
    /// initiation, and the flood adds at most 10 log lines.
    /// </summary>
    [Fact]
    public async Task Spoofed_ike_sa_init_flood_engages_cookies_bounds_half_open_state_and_memory_and_hq_still_connects()
    {
        const int spoofed = 6000, perTick = 30;
        var (topo, hq, box) = ResponderBox();
        using var _t = topo;
        using var _h = hq;
        using var _b = box;
        try
        {
            Shell.Check("ip", "-n", topo.Hq, "route", "add", "blackhole", "198.18.0.0/15");
            int pid = ServiceProcess.Pid(box);
            long rssBefore = ServiceProcess.RssKiB(pid);
            int linesBefore = ServiceProcess.LogLines(box);
            using var sender = new RawIpv4Sender(topo.Hq);
            var random = new Random(18);
            long maxHalfOpen = 0, maxRss = rssBefore;
            Task<(Shell.Result Result, TimeSpan Took)>? legit = null;
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < spoofed; i++)
            {
                var source = new IPAddress([198, (byte)(18 + (i >> 16)), (byte)(i >> 8), (byte)i]);
                sender.SendUdp(source, 500, BoxWan, 500, HandBuiltIke.InitRequest((ulong)i + 1, random));
                if (i % perTick != perTick - 1) continue;
                Thread.Sleep(10);
                if (legit is null && i >= spoofed / 3)
                    legit = Task.Run(() => { var c = Stopwatch.StartNew(); var r = hq.TryInitiate("net", 15); return (r, c.Elapsed); });
                if (i % (perTick * 10) == perTick - 1)
                {
                    using var s = box.Status();
                    maxHalfOpen = Math.Max(maxHalfOpen, ServiceProcess.Ike(s, "halfOpen"));
                    maxRss = Math.Max(maxRss, ServiceProcess.RssKiB(pid));
                }
            }
            output.WriteLine($"flood: {sender.Sent} sent ({sender.Refused} refused by the sender's kernel) in {clock.Elapsed.TotalSeconds:F1} s");
            Assert.NotNull(legit);
            var (result, took) = await legit;
            output.WriteLine($"strongSwan initiation during the flood: exit {result.ExitCode} after {took.TotalSeconds:F1} s");
            Thread.Sleep(500);
            using var status = box.Status();
            maxRss = Math.Max(maxRss, ServiceProcess.RssKiB(pid));
            long received = ServiceProcess.Ike(status, "datagramsReceived"), cookies = ServiceProcess.Ike(status, "cookiesSent");
            output.WriteLine($"box: datagramsReceived {received}, cookiesSent {cookies}, max halfOpen {maxHalfOpen}, " +
                $"RSS {rssBefore} KiB before, max {maxRss} KiB; ike {status.RootElement.GetProperty("ike").GetRawText()}");

            Assert.True(result.ExitCode == 0, "strongSwan did not get its SA during the flood: " + result.All + "\n" + hq.Log);
            Assert.True(took < TimeSpan.FromSeconds(10), $"strongSwan's SA took {took.TotalSeconds:F1} s (bound 10 s)");
            Assert.Contains("INSTALLED", hq.ListSas(), StringComparison.Ordinal);
            Assert.True(received >= spoofed / 2, $"the box read only {received} of {spoofed} datagrams");
            // Every request the box read beyond the threshold got a COOKIE instead of state (strongSwan's few messages aside).
            Assert.True(cookies >= received - CookieThreshold - 10, $"cookies sent {cookies} for {received} datagrams");
            Assert.True(maxHalfOpen <= CookieThreshold + 1, $"half-open IKE SAs reached {maxHalfOpen} (bound {CookieThreshold + 1})");
            Assert.True(ServiceProcess.Ike(status, "halfOpen") <= CookieThreshold, status.RootElement.GetProperty("ike").GetRawText());
            Assert.True(maxRss < 64 * 1024, $"RSS reached {maxRss} KiB (bound 64 MiB)");
            int added = ServiceProcess.LogLines(box) - linesBefore;
            Assert.True(added <= 10, $"{added} log lines during the flood:\n{box.Log}");
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
        }
    }

    /// <summary>
    /// Raw ESP with the live Child SA's SPI and a wrong ICV, raw ESP with unknown SPIs, and ESP-in-UDP on 4500 with the
    /// live SPI and a wrong ICV, as fast as one sender goes for 4 s, while the LAN pings HQ's LAN through the tunnel.
    /// Bounds: the box counts the drops it read (authenticationFailed, unknownSpi), at least 27 of 30 pings get through,
    /// the flood adds at most 3 log lines, and a summary line with the counts follows within 12 s.
    /// </summary>
    [Fact]
    public async Task Garbage_and_bad_icv_esp_is_counted_without_a_log_storm_while_the_tunnel_passes_traffic()
    {
        using var topo = new HqTopology();
        using var hq = new StrongSwanPeer(topo.Hq, HqTopology.SwanctlConf(Ike, Esp, Psk));
        using var box = new ApplianceProcess(topo.Box, HqTopology.BoxConfig(Ike, Esp, Psk));
        try
        {
            Assert.True(Shell.WaitUntil(() => hq.ListSas().Contains("INSTALLED"), TimeSpan.FromSeconds(20)), "tunnel not up:\n" + box.Log);
            Assert.True(Shell.WaitUntil(() => Netns.Try(topo.LanHost, "ping", "-c", "1", "-W", "1", HqTopology.HqHostAddress).ExitCode == 0,
                TimeSpan.FromSeconds(10)), "no traffic before the flood");
            uint spi;
            using (var s = box.Status())
                spi = uint.Parse(s.RootElement.GetProperty("tunnels")[0].GetProperty("childSas")[0].GetProperty("spiIn").GetString()!,
                    NumberStyles.HexNumber);
            int pid = ServiceProcess.Pid(box);
            TimeSpan cpuBefore = ServiceProcess.CpuTime(pid);
            int linesBefore = ServiceProcess.LogLines(box);
            var ping = Task.Run(() => Netns.Try(topo.LanHost, "ping", "-c", "30", "-i", "0.1", "-W", "1", HqTopology.HqHostAddress));

            using var sender = new RawIpv4Sender(topo.Hq);
            var random = new Random(18);
            var packet = new byte[8 + 16 + 96]; // SPI, sequence, IV-sized garbage and a "ciphertext" with a wrong ICV
            long badIcv = 0, unknown = 0, udp = 0;
            var clock = Stopwatch.StartNew();
            for (uint seq = 1; clock.Elapsed < TimeSpan.FromSeconds(4); seq++)
            {
                random.NextBytes(packet);
                BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), seq);
                switch (seq % 3)
                {
                    case 0:
                        BinaryPrimitives.WriteUInt32BigEndian(packet, spi);
                        sender.Send(HqWan, BoxWan, 50, packet);
                        badIcv++;
                        break;
                    case 1:
                        BinaryPrimitives.WriteUInt32BigEndian(packet, spi ^ 0x5a5a0000u | 0x100u); // never the live SPI
                        sender.Send(HqWan, BoxWan, 50, packet);
                        unknown++;
                        break;
                    default:
                        BinaryPrimitives.WriteUInt32BigEndian(packet, spi);
                        sender.SendUdp(HqWan, 4500, BoxWan, 4500, packet);
                        udp++;
                        break;
                }
            }
            double seconds = clock.Elapsed.TotalSeconds;
            var pingResult = await ping;
            Thread.Sleep(300);
            TimeSpan cpu = ServiceProcess.CpuTime(pid) - cpuBefore;
            using var status = box.Status();
            long authFailed = StatusDrops.Count(status, "authenticationFailed"), unknownSpi = StatusDrops.Count(status, "unknownSpi");
            long counted = authFailed + unknownSpi;
            output.WriteLine($"sent {sender.Sent} in {seconds:F1} s ({sender.Sent / seconds:F0}/s; raw bad ICV {badIcv}, unknown SPI {unknown}, " +
                $"ESP-in-UDP bad ICV {udp}; {sender.Refused} refused by the sender's kernel)");
            output.WriteLine($"box drops: {status.RootElement.GetProperty("drops").GetRawText()}");
            output.WriteLine($"service CPU {cpu.TotalMilliseconds:F0} ms for {counted} counted drops: " +
                $"{(counted == 0 ? 0 : cpu.TotalMicroseconds / counted):F2} µs per packet (pings and the tunnel included)");
            output.WriteLine(pingResult.StdOut);

            Assert.True(authFailed >= 1000, $"authenticationFailed {authFailed}");
            Assert.True(unknownSpi >= 1000, $"unknownSpi {unknownSpi}");
            Assert.True(counted >= sender.Sent / 4, $"the box counted {counted} of {sender.Sent} packets");
            var received = System.Text.RegularExpressions.Regex.Match(pingResult.StdOut, @"(\d+) received");
            Assert.True(received.Success && int.Parse(received.Groups[1].Value) >= 27, "the tunnel stalled during the flood: " + pingResult.All);
            int added = ServiceProcess.LogLines(box) - linesBefore;
            Assert.True(added <= 3, $"{added} log lines during the flood:\n{box.Log}");
            Assert.True(Shell.WaitUntil(() => box.Log.Contains("data plane dropped", StringComparison.Ordinal), TimeSpan.FromSeconds(12)),
                "no drop summary line:\n" + box.Log);
            Assert.Matches(@"data plane dropped \d+ packets in the last 10 s: .*authenticationFailed \d+", box.Log);
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
        }
    }

    /// <summary>
    /// Truncated and oversized datagrams on 500 and 4500 (200 rounds of each kind), then 100 attackers from a real address
    /// that complete IKE_SA_INIT (answering the cookie) and send IKE_AUTH fragments with valid ICVs that never complete,
    /// for the next message ID and for later ones, plus fragments with a wrong ICV. Bounds: every malformed or oversized
    /// datagram the service read is counted; a half-open SA holds at most 16 KiB of fragments (larger sets are dropped and
    /// counted); half-open SAs stay at most 256; the service's RSS stays under 64 MiB; and strongSwan still connects within 10 s.
    /// </summary>
    [Fact]
    public void Truncated_oversized_datagrams_and_fragments_that_never_complete_stay_bounded_and_hq_still_connects()
    {
        const int rounds = 200, attackers = 100, fragmentsPerSa = 40, chunk = 1000;
        var (topo, hq, box) = ResponderBox(halfOpenPerSource: attackers);
        using var _t = topo;
        using var _h = hq;
        using var _b = box;
        try
        {
            var attacker = IPAddress.Parse("10.99.0.50");
            Shell.Check("ip", "-n", topo.Hq, "addr", "add", "10.99.0.50/24", "dev", "eth0");
            int pid = ServiceProcess.Pid(box);
            long rssBefore = ServiceProcess.RssKiB(pid);
            var random = new Random(18);
            using var sender = new RawIpv4Sender(topo.Hq);
            // Oversized datagrams go through a UDP socket: the kernel IP-fragments them, which a raw socket will not.
            using var udp = NamespaceSocket.Open(topo.Hq, () =>
            {
                var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram,
                    System.Net.Sockets.ProtocolType.Udp);
                s.Bind(new IPEndPoint(attacker, 0));
                return s;
            });
            int malformedSent = 0, oversizedSent = 0;
            for (int r = 0; r < rounds; r++)
            {
                // Shorter than the IKE header on 500; on 4500 shorter than the non-ESP marker, and marker plus a short header.
                sender.SendUdp(attacker, 500, BoxWan, 500, RandomBytes(random, r % 28));
                byte[] tiny = RandomBytes(random, 1 + r % 3);
                tiny[0] = 0x01; // never 0xFF alone: that is a NAT keepalive (RFC 3948 §2.3), not a drop
                sender.SendUdp(attacker, 4500, BoxWan, 4500, tiny);
                sender.SendUdp(attacker, 4500, BoxWan, 4500, [0, 0, 0, 0, .. RandomBytes(random, r % 28)]);
                // A header whose length claims more than arrived.
                byte[] claims = HandBuiltIke.InitRequest((ulong)r + 1, random);
                BinaryPrimitives.WriteUInt32BigEndian(claims.AsSpan(24), (uint)claims.Length + 1000);
                sender.SendUdp(attacker, 500, BoxWan, 500, claims);
                malformedSent += r % 28 == 0 ? 3 : 4; // a 0-byte datagram on 500 never reaches the engine's decoder
                if (r % 10 == 0)
                {
                    // A well-formed IKE_SA_INIT padded to 60 000 bytes with a Vendor ID (IP-fragmented on the wire).
                    udp.SendTo(PaddedInit(HandBuiltIke.InitRequest(100_000 + (ulong)r, random), 60_000), new IPEndPoint(BoxWan, 500));
                    oversizedSent++;
                    Thread.Sleep(20); // a 60 KB datagram takes a third of the default receive buffer
                }
                if (r % 20 == 0) Thread.Sleep(5);
            }

            using var attack = new FragmentingAttacker(topo.Hq, attacker, new IPEndPoint(BoxWan, 500));
            var sas = new List<FragmentingAttacker.HalfOpenSa>();
            for (int a = 0; a < attackers; a++)
                if (attack.Open() is { } sa) sas.Add(sa);
            foreach (var sa in sas)
            {
                for (ushort n = 1; n < fragmentsPerSa; n++)
                    attack.SendFragment(sa, 1, n, fragmentsPerSa, chunk); // never fragment 40
                for (uint id = 2; id < 6; id++)
                    attack.SendFragment(sa, id, 1, 2, chunk);             // message IDs the responder does not expect
                byte[] garbage = HandBuiltIke.GarbageFragment(sa.SpiI, sa.SpiR, 1, 40, fragmentsPerSa, chunk, random);
                sender.SendUdp(attacker, 500, BoxWan, 500, garbage);
                Thread.Sleep(2);
            }
            Thread.Sleep(500);
            long rssAfter = ServiceProcess.RssKiB(pid);
            using var status = box.Status();
            string ike = status.RootElement.GetProperty("ike").GetRawText();
            output.WriteLine($"{sas.Count} half-open SAs with fragments; RSS {rssBefore} → {rssAfter} KiB; ike {ike}");

            // What the kernel dropped from a full socket buffer (the machine is shared) never reached the service to be counted.
            long lost = ServiceProcess.UdpReceiveBufferErrors(topo.Box);
            output.WriteLine($"datagrams lost in the box's socket buffers: {lost}");
            void Counted(string counter, long sent) =>
                Assert.True(ServiceProcess.Ike(status, counter) + lost >= sent, $"{counter}: sent {sent}, {lost} lost in buffers; {ike}");
            Assert.Equal(attackers, sas.Count);
            Counted("malformed", malformedSent);
            Counted("oversized", oversizedSent);
            Counted("invalidMessageId", attackers * 4L);
            Counted("integrityCheckFailed", attackers);
            Assert.True(ServiceProcess.Ike(status, "halfOpen") is > 0 and <= HalfOpenLimit, ike);
            Assert.True(ServiceProcess.Ike(status, "fragmentsReceived") >= attackers * 16L, ike);
            // 39 fragments of 1000 octets exceed the 16 KiB a half-open SA may hold: each SA's set was dropped at least once.
            Assert.True(ServiceProcess.Ike(status, "fragmentDropped") >= attackers, ike);
            Assert.Equal(0, ServiceProcess.Ike(status, "internalError"));
            // The fragments held are at most 100 × 16 KiB; the rest of any growth is the GC's allocation budget, not retention.
            Assert.True(rssAfter < 64 * 1024, $"RSS reached {rssAfter} KiB (bound 64 MiB)");

            var clock = Stopwatch.StartNew();
            var result = hq.TryInitiate("net", 15);
            output.WriteLine($"strongSwan after the attack: exit {result.ExitCode} in {clock.Elapsed.TotalSeconds:F1} s");
            Assert.True(result.ExitCode == 0, "strongSwan could not connect after the attack: " + result.All + "\n" + hq.Log);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"strongSwan's SA took {clock.Elapsed.TotalSeconds:F1} s (bound 10 s)");
            foreach (var sa in sas) sa.Dispose();
        }
        finally
        {
            output.WriteLine("---- appliance ----\n" + box.Log);
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var b = new byte[length];
        random.NextBytes(b);
        return b;
    }

    /// <summary>The request with a Vendor ID payload (RFC 7296 §3.12) appended, so the whole message is <paramref name="size"/> octets.</summary>
    private static byte[] PaddedInit(byte[] init, int size)
    {
        var m = new byte[size];
        init.CopyTo(m, 0);
        // The last payload (Nonce) now points at the Vendor ID that fills the rest.
        int o = 28;
        while (true)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(o + 2));
            if (m[o] == 0) { m[o] = 43; o += length; break; }
            o += length;
        }
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(o + 2), (ushort)(size - o));
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(24), (uint)size);
        return m;
    }
}
