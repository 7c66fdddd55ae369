using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>Whether a NIC exists in the calling thread's network namespace (if_nametoindex, not /sys, which
/// shows the namespace it was mounted in).</summary>
public static class NetworkInterfaceIndex
{
    public static bool Exists(string name) => name.Length is > 0 and < 16 && Libc.if_nametoindex(name) != 0;
}
