namespace Appliance.Integration.Tests.Harness;

/// <summary>
/// What `tc qdisc netem delay … loss …` would do, for a kernel without sch_netem (this one): every IPv4 packet a
/// namespace sends to one address is routed into a TUN device, read by a small Python process, dropped at the given
/// rate or held for the delay, and then sent out on the real interface as an Ethernet frame to the peer's MAC, so it
/// does not meet the routing rule again.
/// </summary>
public sealed class DelayLine : IDisposable
{
    private const string Script = """
        import fcntl, heapq, os, random, socket, struct, sys, threading, time
        name, dev, dst_mac, delay_ms, loss_pct = sys.argv[1:6]
        tun = os.open('/dev/net/tun', os.O_RDWR)
        fcntl.ioctl(tun, 0x400454ca, struct.pack('16sH', name.encode(), 0x0001 | 0x1000))  # TUNSETIFF, IFF_TUN|IFF_NO_PI
        out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        out.bind((dev, 0))
        header = bytes.fromhex(dst_mac.replace(':', '')) + out.getsockname()[4] + b'\x08\x00'
        delay, loss = float(delay_ms) / 1000, float(loss_pct) / 100
        queue, cv, stats = [], threading.Condition(), {'dropped': 0, 'delayed': 0}
        def sender():
            while True:
                with cv:
                    while not queue or queue[0][0] > time.monotonic():
                        cv.wait(None if not queue else queue[0][0] - time.monotonic())
                    _, _, packet = heapq.heappop(queue)
                out.send(header + packet)
        def report():
            while True:
                time.sleep(0.5)
                print('dropped %d delayed %d' % (stats['dropped'], stats['delayed']), flush=True)
        threading.Thread(target=sender, daemon=True).start()
        threading.Thread(target=report, daemon=True).start()
        print('ready', flush=True)
        n = 0
        while True:
            packet = os.read(tun, 65536)
            if not packet or packet[0] >> 4 != 4:
                continue
            if random.random() < loss:
                stats['dropped'] += 1
                continue
            n += 1
            stats['delayed'] += 1
            with cv:
                heapq.heappush(queue, (time.monotonic() + delay, n, packet))
                cv.notify()
        """;

    private readonly BackgroundProcess _process;
    private readonly string _script;

    /// <param name="ns">Namespace whose outgoing packets to <paramref name="to"/> are delayed.</param>
    /// <param name="device">Its real interface towards <paramref name="to"/>.</param>
    /// <param name="toNs">The namespace holding <paramref name="to"/>, and <paramref name="toDevice"/> its interface (for the MAC).</param>
    public DelayLine(string ns, string device, string from, string to, string toNs, string toDevice, int delayMs, int lossPercent)
    {
        _script = Path.Combine(Path.GetTempPath(), $"delayline-{Guid.NewGuid():N}.py");
        File.WriteAllText(_script, Script);
        string mac = System.Text.RegularExpressions.Regex.Match(Netns.Exec(toNs, "ip", "link", "show", toDevice), @"link/ether ([0-9a-f:]{17})").Groups[1].Value;
        _process = new BackgroundProcess("ip", ["netns", "exec", ns, "python3", "-u", _script, "dly0", device, mac, delayMs.ToString(), lossPercent.ToString()]);
        _process.WaitFor("ready", TimeSpan.FromSeconds(10));
        Netns.Exec(ns, "ip", "link", "set", "dly0", "up");
        Netns.Exec(ns, "ip", "route", "add", to + "/32", "dev", "dly0", "src", from, "table", "100");
        Netns.Exec(ns, "ip", "rule", "add", "to", to, "lookup", "100", "priority", "100");
    }

    /// <summary>(dropped, delayed) packets so far, as the delay line last reported (every 0.5 s).</summary>
    public (long Dropped, long Delayed) Counts
    {
        get
        {
            var all = System.Text.RegularExpressions.Regex.Matches(_process.Output, @"dropped (\d+) delayed (\d+)");
            return all.Count == 0 ? (0, 0) : (long.Parse(all[^1].Groups[1].Value), long.Parse(all[^1].Groups[2].Value));
        }
    }

    public void Dispose()
    {
        _process.Dispose();
        try { File.Delete(_script); } catch (IOException) { }
    }
}
