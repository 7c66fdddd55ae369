using System.Text.Json;
using Appliance.Configuration;
using Appliance.Control;
using Appliance.Lan.Dhcp;
using Microsoft.Extensions.Options;

namespace Appliance.LanServices;

/// <summary>Writes "lan" into the status: the LAN address, the DHCP pool, leases and counters.</summary>
public sealed class LanStatusSection(IOptions<ApplianceOptions> options, TimeProvider time, DhcpService? dhcp = null) : IStatusSection
{
    public void Write(Utf8JsonWriter w)
    {
        var o = options.Value;
        w.WriteStartObject("lan");
        w.WriteString("interface", o.Lan.Interface);
        w.WriteString("address", o.Lan.Address);
        if (dhcp is not null) WriteDhcp(w, dhcp);
        w.WriteEndObject();
    }

    private void WriteDhcp(Utf8JsonWriter w, DhcpService dhcp)
    {
        var now = time.GetUtcNow();
        w.WriteStartObject("dhcp");
        w.WriteString("pool", $"{dhcp.Settings.PoolStart}-{dhcp.Settings.PoolEnd}");
        w.WriteNumber("leaseSeconds", (long)dhcp.Settings.LeaseTime.TotalSeconds);
        w.WriteStartArray("leases");
        foreach (var l in dhcp.Leases().Where(l => l.State == LeaseState.Bound && l.Expires > now).OrderBy(l => Ipv4.ToUInt32(l.Address)))
        {
            w.WriteStartObject();
            w.WriteString("address", l.Address.ToString());
            w.WriteString("mac", l.Mac.ToString());
            if (l.HostName is not null) w.WriteString("hostName", l.HostName);
            w.WriteBoolean("static", dhcp.Settings.StaticLeases.ContainsKey(l.Mac));
            w.WriteNumber("expiresSeconds", (long)(l.Expires - now).TotalSeconds);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        var c = dhcp.Server.Counters;
        w.WriteStartObject("counters");
        w.WriteNumber("received", c.Received);
        w.WriteNumber("offers", c.Offers);
        w.WriteNumber("acks", c.Acks);
        w.WriteNumber("naks", c.Naks);
        w.WriteNumber("informs", c.Informs);
        w.WriteNumber("releases", c.Releases);
        w.WriteNumber("declines", c.Declines);
        w.WriteEndObject();
        w.WriteStartObject("drops");
        foreach (var reason in Enum.GetValues<DhcpDrop>())
            w.WriteNumber(char.ToLowerInvariant(reason.ToString()[0]) + reason.ToString()[1..], c.Dropped(reason));
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
