using System.Text.Json;
using Appliance.Board;
using Appliance.Control;

namespace Appliance.BoardIntegration;

/// <summary>Writes "health" into `appliance status`: SoC temperature and the power/throttling flags.</summary>
public sealed class HealthStatusSection(BoardHealthService health) : IStatusSection
{
    public void Write(Utf8JsonWriter w)
    {
        BoardHealthSnapshot h = health.GetHealth();
        w.WriteStartObject("health");
        if (h.TemperatureCelsius is double t) w.WriteNumber("temperatureCelsius", Math.Round(t, 1));
        else w.WriteNull("temperatureCelsius");
        w.WriteNumber("hotCelsius", h.HotCelsius);
        WriteFlags(w, "alerts", h.Active);
        WriteFlags(w, "now", h.Now);
        WriteFlags(w, "sinceStart", h.SinceStart);
        if (h.FirmwareWord is uint word) w.WriteString("firmwareThrottled", $"0x{word:x}");
        else w.WriteNull("firmwareThrottled");
        if (h.ReadAt is DateTimeOffset at) w.WriteString("readAt", at);
        else w.WriteNull("readAt");
        w.WriteStartObject("sources");
        foreach (KeyValuePair<string, string> source in h.Sources)
            w.WriteString(source.Key, source.Value);
        w.WriteEndObject();
        w.WriteStartArray("errors");
        foreach (SensorError error in h.Errors)
        {
            w.WriteStartObject();
            w.WriteString("sensor", error.Sensor);
            w.WriteString("message", error.Message);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteFlags(Utf8JsonWriter w, string name, BoardHealthFlags flags)
    {
        w.WriteStartArray(name);
        foreach (string flag in BoardHealthFlagNames.Names(flags))
            w.WriteStringValue(flag);
        w.WriteEndArray();
    }
}
