using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Appliance.Configuration;

namespace Appliance.Ike;

/// <summary>Finds the address IKE binds to: configured explicitly, or the WAN interface's first IPv4 address.</summary>
public static class WanAddress
{
    public static IPAddress? Resolve(InterfaceOptions wan)
    {
        if (wan.Address is { } configured) return IPAddress.Parse(configured);
        if (string.IsNullOrEmpty(wan.Interface)) return null;
        var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == wan.Interface);
        return nic?.GetIPProperties().UnicastAddresses
            .Select(u => u.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
    }
}
