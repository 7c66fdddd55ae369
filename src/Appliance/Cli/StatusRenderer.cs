using System.Text.Json;

namespace Appliance.Cli;

/// <summary>Renders the status document the way `swanctl --list-sas` reads, so HQ admins feel at home.</summary>
public static class StatusRenderer
{
    public static void Render(JsonElement root, TextWriter w)
    {
        w.WriteLine($"appliance {Str(root, "version")}");
        if (root.TryGetProperty("leds", out var leds) && leds.ValueKind == JsonValueKind.Array)
        {
            w.Write("leds:");
            foreach (var led in leds.EnumerateArray())
                w.Write($" {Str(led, "name")}={Str(led, "pattern")}");
            w.WriteLine($"  ({Str(root, "conditionText")})");
        }
        if (root.TryGetProperty("faults", out var faults) && faults.ValueKind == JsonValueKind.Object)
            foreach (var fault in faults.EnumerateObject())
                w.WriteLine($"fault: {fault.Name}: {fault.Value.GetString()}");
        if (root.TryGetProperty("health", out var health) && health.ValueKind == JsonValueKind.Object)
            RenderHealth(health, w);
        if (root.TryGetProperty("tunnels", out var tunnels) && tunnels.ValueKind == JsonValueKind.Array)
            foreach (var t in tunnels.EnumerateArray())
                RenderTunnel(t, w);
        if (root.TryGetProperty("lan", out var lan) && lan.ValueKind == JsonValueKind.Object && (lan.TryGetProperty("dhcp", out _) | lan.TryGetProperty("dns", out _) | lan.TryGetProperty("breakout", out _)))
            LanStatusRenderer.Render(lan, w);
        if (root.TryGetProperty("l2tp", out var l2tp) && l2tp.ValueKind == JsonValueKind.Object)
            RenderL2tp(l2tp, w);
        if (root.TryGetProperty("drops", out var drops) && drops.ValueKind == JsonValueKind.Object)
        {
            var nonZero = drops.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number && p.Value.GetInt64() > 0).ToList();
            w.WriteLine(nonZero.Count == 0 ? "drops: none" : "drops: " + string.Join(", ", nonZero.Select(p => $"{p.Name} {p.Value.GetInt64()}")));
        }
    }

    /// <summary>E.g. <c>health: SoC 52.1 °C; now: under-voltage, throttled; since start: under-voltage, throttled; firmware 0x50005</c>.</summary>
    private static void RenderHealth(JsonElement h, TextWriter w)
    {
        string temperature = h.TryGetProperty("temperatureCelsius", out var t) && t.ValueKind == JsonValueKind.Number
            ? $"SoC {t.GetDouble().ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} °C"
            : "SoC temperature unknown";
        string line = $"health: {temperature}; now: {Flags(h, "now")}; since start: {Flags(h, "sinceStart")}";
        string firmware = Str(h, "firmwareThrottled");
        w.WriteLine(firmware.Length > 0 ? $"{line}; firmware {firmware}" : line);
        if (!h.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array) return;
        foreach (var e in errors.EnumerateArray())
            w.WriteLine($"health: cannot read the {Str(e, "sensor")}: {Str(e, "message")}");
    }

    private static string Flags(JsonElement e, string name)
    {
        string list = Join(e, name).Replace(" ", ", ", StringComparison.Ordinal);
        return list.Length > 0 ? list : "ok";
    }

    private static void RenderTunnel(JsonElement t, TextWriter w)
    {
        RenderTunnelSas(t, w);
        if (!t.TryGetProperty("gateways", out var gateways) || gateways.ValueKind != JsonValueKind.Array) return;
        foreach (var g in gateways.EnumerateArray())
        {
            string rtt = g.TryGetProperty("rttMs", out var r) && r.ValueKind == JsonValueKind.Number ? $"{r.GetDouble():0.0} ms" : "rtt unknown";
            string address = Str(g, "address");
            w.WriteLine($"  gateway {Str(g, "name")}{(address.Length > 0 && address != Str(g, "name") ? $" ({address})" : "")}: " +
                        $"{Str(g, "state")}, {rtt}{(Bool(g, "active") ? ", active" : "")}");
        }
    }

    private static void RenderTunnelSas(JsonElement t, TextWriter w)
    {
        string name = Str(t, "name");
        if (t.TryGetProperty("clients", out var clients) && clients.ValueKind == JsonValueKind.Array)
        {
            RenderClients(name, clients, t, w);
            return;
        }
        if (!t.TryGetProperty("ikeSa", out var ike) || ike.ValueKind != JsonValueKind.Object)
        {
            bool takenDown = t.TryGetProperty("takenDown", out var down) && down.ValueKind == JsonValueKind.True;
            w.WriteLine($"{name}: {Str(t, "state")}, no IKE SA{(takenDown ? $" (taken down: `appliance up {name}` opens it)" : "")}");
            return;
        }
        string initiatorMark = Bool(ike, "initiator") ? "*" : "";
        string responderMark = Bool(ike, "initiator") ? "" : "*";
        w.WriteLine($"{name}: #{Str(ike, "id")}, {Str(ike, "state")}, IKEv2, {Str(ike, "spiI")}_i{initiatorMark} {Str(ike, "spiR")}_r{responderMark}");
        w.WriteLine($"  local  '{Str(t, "localId")}' @ {Str(ike, "local")}");
        w.WriteLine($"  remote '{Str(t, "remoteId")}' @ {Str(ike, "remote")}");
        w.WriteLine($"  {Str(ike, "suite")}");
        if (ike.TryGetProperty("establishedSeconds", out var age) && age.ValueKind == JsonValueKind.Number)
            w.WriteLine($"  established {age.GetInt64()}s ago");
        if (!t.TryGetProperty("childSas", out var children) || children.ValueKind != JsonValueKind.Array) return;
        foreach (var c in children.EnumerateArray())
        {
            string encap = Bool(c, "udpEncapsulation") ? "-in-UDP" : "";
            w.WriteLine($"  {name}: #{Str(c, "id")}, {Str(c, "state")}, {Str(c, "mode").ToUpperInvariant()}{encap}, {Str(c, "protocol")} SPIs: {Str(c, "spiIn")}_i {Str(c, "spiOut")}_o");
            w.WriteLine($"    {Str(c, "suite")}");
            w.WriteLine($"    in  {Str(c, "spiIn")}, {Num(c, "bytesIn")} bytes, {Num(c, "packetsIn")} packets");
            w.WriteLine($"    out {Str(c, "spiOut")}, {Num(c, "bytesOut")} bytes, {Num(c, "packetsOut")} packets");
            w.WriteLine($"    local  {Join(c, "localTs")}");
            w.WriteLine($"    remote {Join(c, "remoteTs")}");
        }
    }

    /// <summary>A remote-access tunnel: one line per connected client, then failed logins.</summary>
    private static void RenderClients(string name, JsonElement clients, JsonElement t, TextWriter w)
    {
        int count = clients.GetArrayLength();
        w.WriteLine($"{name}: remote access, {count} client{(count == 1 ? "" : "s")} connected");
        foreach (var c in clients.EnumerateArray())
            w.WriteLine($"  {Str(c, "user")} @ {Str(c, "remote")}, virtual IP {Join(c, "virtualIps")}, since {Str(c, "since")}" +
                        $" ({Num(c, "connectedSeconds")}s), {Num(c, "bytesIn")} bytes in, {Num(c, "bytesOut")} bytes out" +
                        (Bool(c, "weakProfile") ? $", WEAK PROFILE (Windows stock: {Str(c, "ike")})" : ""));
        if (t.TryGetProperty("loginFailures", out var failures) && failures.ValueKind == JsonValueKind.Object)
        {
            var list = failures.EnumerateObject().Select(f => $"{f.Name} {f.Value.GetRawText()}").ToList();
            if (list.Count > 0) w.WriteLine($"  failed logins: {string.Join(", ", list)}");
        }
    }

    /// <summary>L2TP/IPsec: one line per session (client, user, address), then the IKEv1 SAs that carry them.</summary>
    private static void RenderL2tp(JsonElement l2tp, TextWriter w)
    {
        int count = l2tp.TryGetProperty("clients", out var clients) && clients.ValueKind == JsonValueKind.Array ? clients.GetArrayLength() : 0;
        w.WriteLine($"l2tp: pool {Str(l2tp, "pool")}, {count} session{(count == 1 ? "" : "s")}");
        if (count > 0)
            foreach (var c in clients.EnumerateArray())
                w.WriteLine($"  {(Str(c, "user") is { Length: > 0 } user ? user : "(not signed in)")} @ {Str(c, "remote")}, " +
                            $"{Str(c, "phase")}{(Str(c, "address") is { Length: > 0 } a ? $", address {a}" : "")}");
        if (l2tp.TryGetProperty("ikeSas", out var sas) && sas.ValueKind == JsonValueKind.Array)
            foreach (var s in sas.EnumerateArray())
                w.WriteLine($"  IKEv1 {Str(s, "remote")} {Str(s, "state")}{(Bool(s, "nat") ? ", NAT" : "")}" +
                            $"{(Str(s, "suite") is { Length: > 0 } suite ? $", {suite}" : "")}");
    }

    internal static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString() ?? "",
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            _ => v.GetRawText(),
        } : "";

    private static long Num(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    private static bool Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static string Join(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? string.Join(" ", v.EnumerateArray().Select(x => x.GetString())) : "";
}
