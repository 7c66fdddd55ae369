using System.Net;
using System.Text.Json;
using Appliance.Common;

namespace Appliance.Lan.Dhcp;

/// <summary>
/// The lease table on disk (runtime/dhcp-leases.json in the state directory, so a factory reset clears it),
/// replaced atomically on every change so a power cut leaves the old or the new table, never half of one.
/// </summary>
public static class LeaseFile
{
    public const string FileName = "dhcp-leases.json";

    public static void Save(string path, IEnumerable<DhcpLease> leases)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteStartArray("leases");
            foreach (var l in leases)
            {
                w.WriteStartObject();
                w.WriteString("mac", l.Mac.ToString());
                w.WriteString("address", l.Address.ToString());
                w.WriteString("state", l.State.ToString().ToLowerInvariant());
                w.WriteNumber("expires", l.Expires.ToUnixTimeSeconds());
                if (l.HostName is not null) w.WriteString("hostName", l.HostName);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        // Hardware addresses and host names of the office's machines: not secret, but nobody else's business.
        AtomicFile.WriteAllBytes(path, buffer.ToArray(), AtomicFile.SecretMode);
    }

    /// <summary>The saved records; a missing file is an empty table, a damaged one throws <see cref="InvalidDataException"/>.</summary>
    public static List<DhcpLease> Load(string path)
    {
        var leases = new List<DhcpLease>();
        if (!File.Exists(path)) return leases;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var e in doc.RootElement.GetProperty("leases").EnumerateArray())
            {
                string mac = e.GetProperty("mac").GetString() ?? "";
                string address = e.GetProperty("address").GetString() ?? "";
                string state = e.GetProperty("state").GetString() ?? "";
                if (!MacAddress.TryParse(mac, out var m) || !IPAddress.TryParse(address, out var a) ||
                    a.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork ||
                    !Enum.TryParse<LeaseState>(state, ignoreCase: true, out var s))
                    throw new InvalidDataException($"{path}: bad lease record {e.GetRawText()}");
                string? host = e.TryGetProperty("hostName", out var h) ? h.GetString() : null;
                leases.Add(new DhcpLease(m, a, s, DateTimeOffset.FromUnixTimeSeconds(e.GetProperty("expires").GetInt64()), host));
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        return leases;
    }
}
