using System.Text.Json;
using Appliance.Board;
using Appliance.Control;

namespace Appliance.BoardIntegration;

/// <summary>
/// Writes "leds", "condition" and "faults" into `appliance status`, so the LEDs can be read remotely
/// too, and so can what the FLT LED stands for (or what keeps the LEDs dark: an unusable GPIO chip).
/// </summary>
public sealed class LedStatusSection(LedService leds, IApplianceStateSource state) : IStatusSection
{
    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("faults");
        foreach (var fault in state.Current.Faults)
            w.WriteString(fault.Key, fault.Value);
        w.WriteEndObject();
        LedSnapshot snapshot = leds.GetLeds();
        w.WriteString("condition", snapshot.Condition.ToString());
        w.WriteString("conditionText", snapshot.Description);
        w.WriteStartArray("leds");
        foreach (var led in snapshot.Leds)
        {
            w.WriteStartObject();
            w.WriteString("name", led.Name);
            w.WriteString("role", led.Role.ToString());
            w.WriteString("colour", led.Colour.ToString());
            w.WriteString("pattern", led.Pattern.ToString());
            w.WriteBoolean("on", led.IsOn);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
