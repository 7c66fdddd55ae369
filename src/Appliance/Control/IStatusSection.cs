using System.Text.Json;

namespace Appliance.Control;

/// <summary>One part of `appliance status`: writes its own JSON property (e.g. "tunnels", "leds").</summary>
public interface IStatusSection
{
    void Write(Utf8JsonWriter writer);
}
