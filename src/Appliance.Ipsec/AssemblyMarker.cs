namespace Appliance.Ipsec;
internal static class AssemblyMarker { }
