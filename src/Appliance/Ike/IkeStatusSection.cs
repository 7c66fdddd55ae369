using System.Text.Json;
using Appliance.Configuration;
using Appliance.Control;
using Microsoft.Extensions.Options;

namespace Appliance.Ike;

/// <summary>Writes "tunnels" (IKE and Child SAs per configured tunnel) and "ike" (counters) into the status.</summary>
public sealed class IkeStatusSection(IkeService ike, TunnelHealth health, IChildSaCounters counters,
    IOptions<ApplianceOptions> options, TimeProvider time) : IStatusSection
{
    public void Write(Utf8JsonWriter w)
    {
        IkeStatus status = ike.Status();
        var now = time.GetUtcNow();
        w.WriteStartArray("tunnels");
        foreach (var (name, config) in options.Value.Tunnels)
        {
            var t = status.Tunnels.FirstOrDefault(x => x.Name == name);
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("state", health.Get(name).ToString());
            if (ike.IsTakenDown(name)) w.WriteBoolean("takenDown", true);
            w.WriteString("localId", config.LocalId);
            w.WriteString("remoteId", config.RemoteId);
            w.WriteString("remoteAddress", config.RemoteAddress);
            if (ike.Gateways(name) is { Count: > 0 } gateways)
            {
                w.WriteStartArray("gateways");
                foreach (var g in gateways)
                {
                    w.WriteStartObject();
                    w.WriteString("name", g.Name);
                    if (g.Address is not null) w.WriteString("address", g.Address.ToString());
                    w.WriteString("state", g.State);
                    if (g.RttMs is { } rtt) w.WriteNumber("rttMs", Math.Round(rtt, 1));
                    w.WriteBoolean("active", g.Active);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (t?.IkeSa is { } sa)
            {
                w.WriteStartObject("ikeSa");
                w.WriteString("id", "1");
                w.WriteString("state", sa.State switch
                {
                    IkeSaState.Established => "ESTABLISHED",
                    IkeSaState.Connecting => "CONNECTING",
                    _ => "DELETING",
                });
                w.WriteBoolean("initiator", sa.IsInitiator);
                w.WriteString("spiI", sa.InitiatorSpi.ToString("x16"));
                w.WriteString("spiR", sa.ResponderSpi.ToString("x16"));
                w.WriteString("local", $"{sa.Local.Address}[{sa.Local.Port}]");
                w.WriteString("remote", $"{sa.Remote.Address}[{sa.Remote.Port}]");
                w.WriteString("suite", sa.Suite);
                w.WriteBoolean("natDetected", sa.NatDetected);
                if (sa.EstablishedAt is { } at) w.WriteNumber("establishedSeconds", (long)(now - at).TotalSeconds);
                w.WriteEndObject();
            }
            if (Configuration.RemoteAccessRules.IsRemoteAccess(config))
                RemoteAccessStatus.Write(w, t?.Clients ?? [], ike.EapFailuresByUser(), counters, now);
            w.WriteStartArray("childSas");
            int id = 1;
            foreach (var c in t?.ChildSas ?? [])
            {
                var n = counters.Get(c.InboundSpi, c.OutboundSpi);
                w.WriteStartObject();
                w.WriteString("id", (id++).ToString());
                w.WriteString("state", "INSTALLED");
                w.WriteString("mode", config.Mode);
                w.WriteString("protocol", c.Protocol == Appliance.Ike.Messages.ProtocolId.Ah ? "AH" : "ESP");
                w.WriteBoolean("udpEncapsulation", c.UdpEncapsulation);
                w.WriteString("spiIn", c.InboundSpi.ToString("x8"));
                w.WriteString("spiOut", c.OutboundSpi.ToString("x8"));
                w.WriteString("suite", c.Suite);
                w.WriteNumber("bytesIn", n.BytesIn);
                w.WriteNumber("packetsIn", n.PacketsIn);
                w.WriteNumber("bytesOut", n.BytesOut);
                w.WriteNumber("packetsOut", n.PacketsOut);
                w.WriteNumber("establishedSeconds", (long)(now - c.EstablishedAt).TotalSeconds);
                w.WriteStartArray("localTs");
                foreach (var ts in c.LocalTs) w.WriteStringValue(ts.ToString());
                w.WriteEndArray();
                w.WriteStartArray("remoteTs");
                foreach (var ts in c.RemoteTs) w.WriteStringValue(ts.ToString());
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartObject("ike");
        // Gauges first (now), then the counters (since start).
        w.WriteNumber("ikeSas", status.IkeSas);
        w.WriteNumber("halfOpen", status.HalfOpenIkeSas);
        foreach (var (counter, value) in status.Counters.Values)
            w.WriteNumber(char.ToLowerInvariant(counter.ToString()[0]) + counter.ToString()[1..], value);
        w.WriteEndObject();
    }
}

/// <summary>Per-SA traffic counters, owned by the data plane.</summary>
public interface IChildSaCounters
{
    (long BytesIn, long PacketsIn, long BytesOut, long PacketsOut) Get(uint inboundSpi, uint outboundSpi);
}
