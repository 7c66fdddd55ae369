namespace Appliance.Linux;
internal static class AssemblyMarker { }
