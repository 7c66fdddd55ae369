namespace Appliance.Provisioning;
internal static class AssemblyMarker { }
