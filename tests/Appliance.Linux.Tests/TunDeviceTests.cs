using Appliance.Linux.Io;
using Appliance.Linux.Tests.Harness;

namespace Appliance.Linux.Tests;

/// <summary>
/// The transport-mode TUN device gets no IPv6 address, set over rtnetlink rather than /proc/sys (which the
/// shipped unit's ProtectKernelTunables=yes makes read-only: the VM system test found it).
/// </summary>
public sealed class TunDeviceTests
{
    [Fact]
    public void Tun_device_comes_up_without_any_ipv6_address_and_without_writing_proc_sys()
    {
        string ns = $"sy-tun-{Environment.ProcessId}";
        NetNs.Sh($"ip netns del {ns}");
        NetNs.ShOk($"ip netns add {ns}");
        try
        {
            string addresses = NetNs.Run(ns, () =>
            {
                using var tun = new TunDevice("sytun0", 1400);
                // Give the kernel the moment in which it would have added fe80::/64 on IFF_UP.
                Thread.Sleep(300);
                return NetNs.ShOk($"ip -n {ns} -6 addr show dev sytun0") + "|" +
                       NetNs.ShOk($"ip netns exec {ns} cat /proc/sys/net/ipv6/conf/sytun0/addr_gen_mode") + "|" +
                       NetNs.ShOk($"ip -n {ns} link show sytun0");
            });
            string[] parts = addresses.Split('|');
            Assert.DoesNotContain("inet6", parts[0], StringComparison.Ordinal);
            Assert.Equal("1", parts[1].Trim()); // IN6_ADDR_GEN_MODE_NONE
            Assert.Contains(",UP", parts[2], StringComparison.Ordinal);
        }
        finally
        {
            NetNs.Sh($"ip netns del {ns}");
        }
    }
}
