namespace Appliance.Ike;
internal static class AssemblyMarker { }
