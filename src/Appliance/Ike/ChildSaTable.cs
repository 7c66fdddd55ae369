using System.Collections.Concurrent;
using System.Net;

namespace Appliance.Ike;

/// <summary>
/// The Child SAs IKE negotiated, by SPI pair, with their traffic counters. The data plane
/// (when configured) reads from here; without one, ESP arriving on 4500 is counted and dropped.
/// </summary>
public sealed class ChildSaTable : IChildSaSink, IChildSaCounters, Control.IStatusSection
{
    private readonly ConcurrentDictionary<(uint In, uint Out), ChildSaInfo> _sas = new();
    private long _espWithoutDataPlane;

    public event Action<ChildSaInfo, OutboundUse>? Installed;
    public event Action<ChildSaInfo>? Removed;

    /// <summary>(before, after): the SA keeps its SPIs, keys and sequence numbers; only where it is sent changed.</summary>
    public event Action<ChildSaInfo, ChildSaInfo>? EndpointsChanged;
    public Action<IPEndPoint, IPEndPoint, byte[]>? EspInUdpHandler { get; set; }

    public IReadOnlyCollection<ChildSaInfo> All => [.. _sas.Values];
    public long EspDroppedWithoutDataPlane => Interlocked.Read(ref _espWithoutDataPlane);

    /// <summary>Without a data plane (no LAN interface configured) this table owns the "drops" of the status.</summary>
    public void Write(System.Text.Json.Utf8JsonWriter w)
    {
        w.WriteStartObject("drops");
        w.WriteNumber("noDataPlane", EspDroppedWithoutDataPlane);
        w.WriteEndObject();
    }

    public void Install(ChildSaInfo child, OutboundUse outbound = OutboundUse.Now)
    {
        _sas[(child.InboundSpi, child.OutboundSpi)] = child;
        Installed?.Invoke(child, outbound);
    }

    public void Remove(string tunnel, uint inboundSpi, uint outboundSpi)
    {
        if (_sas.TryRemove((inboundSpi, outboundSpi), out var child)) Removed?.Invoke(child);
    }

    public void UpdateEndpoints(ChildSaInfo child)
    {
        var key = (child.InboundSpi, child.OutboundSpi);
        if (!_sas.TryGetValue(key, out var before) || !_sas.TryUpdate(key, child, before)) return;
        EndpointsChanged?.Invoke(before, child);
    }

    public void DeliverEspInUdp(IPEndPoint local, IPEndPoint remote, ReadOnlySpan<byte> espPacket)
    {
        if (EspInUdpHandler is { } handler) handler(local, remote, espPacket.ToArray());
        else Interlocked.Increment(ref _espWithoutDataPlane);
    }

    public Func<uint, uint, (long, long, long, long)>? CounterSource { get; set; }

    public (long BytesIn, long PacketsIn, long BytesOut, long PacketsOut) Get(uint inboundSpi, uint outboundSpi) =>
        CounterSource?.Invoke(inboundSpi, outboundSpi) ?? (0, 0, 0, 0);
}
