using System.Buffers.Binary;
using Appliance.Linux.Io;
using Appliance.Linux.Routing;
using Microsoft.Extensions.Logging;

namespace Appliance.Linux;

public sealed partial class DataPlane
{
    // The kernel's route and neighbour entries for a peer are re-read this often; a failed or unconfirmed
    // answer sends that batch through the raw socket, whose path makes the kernel resolve/revalidate the entry.
    private static readonly TimeSpan NextHopRecheck = TimeSpan.FromSeconds(1);
    private WanFrameSender? _frames;
    private NextHopResolver? _resolver;
    private readonly Dictionary<uint, (NextHop? Hop, long CheckedAt)> _nextHops = new();
    private bool[] _framed = [];
    private ushort _ipId = (ushort)Random.Shared.Next();

    /// <summary>Opens the WAN frame socket and the netlink socket (in the caller's network namespace); failure keeps the raw path.</summary>
    private void StartWanFrames()
    {
        if (!_options.WanFrames) return;
        try
        {
            _frames = new WanFrameSender(_options.WanInterface);
            _resolver = new NextHopResolver(_frames.IfIndex);
        }
        catch (IOException e)
        {
            _logger.LogWarning("WAN frame socket unavailable, raw ESP goes through the raw IP socket: {Error}", e.Message);
            _frames?.Dispose();
            _frames = null;
        }
    }

    /// <summary>
    /// Sends the batch's sealed raw ESP packets whose peer has a known next hop as Ethernet frames (headers written
    /// in the slot's headroom) and takes them out of the batch; the rest stay for the raw socket. LAN thread only.
    /// </summary>
    /// <returns>Packets the kernel refused.</returns>
    private int SendWanFrames(PacketBatch tx)
    {
        if (_frames == null) return 0;
        if (_framed.Length < tx.Capacity) _framed = new bool[tx.Capacity];
        long now = _time.GetTimestamp();
        int selected = 0;
        for (int j = 0; j < tx.Count; j++)
        {
            int length = tx.Length[j];
            if (length == 0) continue;
            var name = tx.Name(j);
            if (BinaryPrimitives.ReadUInt16LittleEndian(name) != Native.Libc.AF_INET) continue; // raw ESP is IPv4; not ours to frame
            uint destination = BinaryPrimitives.ReadUInt32BigEndian(name[4..]);
            var hop = NextHopFor(destination, now);
            // Too big for the path: the raw socket's kernel path fragments it (DF clear, as before).
            if (hop == null || tx.Offset[j] < WanFrameSender.HeaderLength || 20 + length > hop.Mtu) continue;
            int start = tx.Offset[j] - WanFrameSender.HeaderLength;
            var frame = tx.Slot(j).Slice(start, WanFrameSender.HeaderLength + length);
            WanFrameSender.WriteHeaders(frame, hop.Mac, _frames.Mac, hop.Source, destination, _ipId++);
            tx.Offset[j] = start;
            tx.Length[j] = frame.Length;
            _framed[j] = true;
            selected++;
        }
        if (selected == 0) return 0;
        int failed = tx.SendSelected(_frames.Fd, _framed);
        Counters.FramesSent(selected - failed);
        return failed;
    }

    /// <summary>The cached next hop for a peer, re-read from the kernel every <see cref="NextHopRecheck"/>; null: use the raw socket.</summary>
    private NextHop? NextHopFor(uint destination, long now)
    {
        if (_nextHops.TryGetValue(destination, out var cached) && _time.GetElapsedTime(cached.CheckedAt, now) < NextHopRecheck) return cached.Hop;
        NextHop? hop;
        try
        {
            hop = _resolver!.Resolve(destination, _frames!.DeviceMtu());
        }
        catch (IOException e)
        {
            _logger.LogDebug("next hop lookup failed: {Error}", e.Message);
            hop = null;
        }
        if (_nextHops.Count > 1024) _nextHops.Clear(); // peers come and go; the cache is only a shortcut
        _nextHops[destination] = (hop, now);
        // Unconfirmed (STALE, DELAY, PROBE): this batch takes the kernel's path, which revalidates the entry;
        // the known MAC is used from the next batch on.
        return hop is { Confirmed: true } ? hop : null;
    }
}
