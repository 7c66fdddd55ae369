using System.Text.Json;

namespace Appliance.Ike;

/// <summary>
/// The "clients" of a remote-access tunnel in the status: user, outer address, virtual IPs, since when, and the bytes of
/// its Child SAs (from the data plane), and "weakProfile" when it negotiated SHA-1 or MODP-1024 (the opt-in weak Windows
/// profile); "loginFailures" counts failed logins per user since start.
/// </summary>
internal static class RemoteAccessStatus
{
    public static void Write(Utf8JsonWriter w, IReadOnlyList<RemoteAccessClientStatus> clients, IReadOnlyDictionary<string, long> failures,
        IChildSaCounters counters, DateTimeOffset now)
    {
        w.WriteStartArray("clients");
        foreach (RemoteAccessClientStatus c in clients)
        {
            long bytesIn = 0, bytesOut = 0;
            foreach (ChildSaStatus child in c.ChildSas)
            {
                var n = counters.Get(child.InboundSpi, child.OutboundSpi);
                bytesIn += n.BytesIn;
                bytesOut += n.BytesOut;
            }
            w.WriteStartObject();
            w.WriteString("user", c.User);
            w.WriteString("remote", $"{c.Remote.Address}[{c.Remote.Port}]");
            w.WriteStartArray("virtualIps");
            foreach (var ip in c.VirtualIps) w.WriteStringValue(ip.ToString());
            w.WriteEndArray();
            w.WriteNumber("connectedSeconds", (long)(now - c.Since).TotalSeconds);
            w.WriteString("since", c.Since.ToString("u"));
            w.WriteNumber("bytesIn", bytesIn);
            w.WriteNumber("bytesOut", bytesOut);
            w.WriteString("ike", c.IkeSa.Suite);
            bool weak = ClientProfiles.IsWeakSuite(c.IkeSa.Suite);
            foreach (ChildSaStatus child in c.ChildSas) weak |= ClientProfiles.IsWeakSuite(child.Suite);
            w.WriteBoolean("weakProfile", weak);
            w.WriteString("spiI", c.IkeSa.InitiatorSpi.ToString("x16"));
            w.WriteString("spiR", c.IkeSa.ResponderSpi.ToString("x16"));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("loginFailures");
        foreach (var (user, count) in failures.OrderBy(f => f.Key, StringComparer.OrdinalIgnoreCase))
            w.WriteNumber(user, count);
        w.WriteEndObject();
    }
}
