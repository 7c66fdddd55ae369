namespace Appliance.Board;
internal static class AssemblyMarker { }
