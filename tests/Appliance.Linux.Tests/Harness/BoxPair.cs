using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Linux.Tests.Harness;

/// <summary>Two running data planes, boxA's and boxB's, each started inside its own namespace.</summary>
internal sealed class BoxPair : IDisposable
{
    public BoxPair(BoxTopology topo, DataPlaneOptions? a = null, DataPlaneOptions? b = null, TimeProvider? timeA = null, ILogger? loggerA = null)
    {
        Topology = topo;
        A = NetNs.Run(topo.BoxA, () => Started(a ?? BoxTopology.OptionsA(), timeA ?? TimeProvider.System, loggerA ?? NullLogger.Instance));
        B = NetNs.Run(topo.BoxB, () => Started(b ?? BoxTopology.OptionsB(), TimeProvider.System, NullLogger.Instance));
    }

    public BoxTopology Topology { get; }
    public DataPlane A { get; }
    public DataPlane B { get; }

    private static DataPlane Started(DataPlaneOptions options, TimeProvider time, ILogger logger)
    {
        var dp = new DataPlane(options, time, logger);
        dp.Start();
        return dp;
    }

    public void Install((SaInstall A, SaInstall B) sas)
    {
        A.InstallSa(sas.A);
        B.InstallSa(sas.B);
    }

    /// <summary>ping from a namespace; true when every reply came back.</summary>
    public static (bool Ok, string Output) Ping(string ns, string target, int count = 3, string extra = "")
    {
        var (exit, output) = NetNs.Sh($"ip netns exec {ns} ping -n -c {count} -i 0.2 -W 2 {extra} {target}");
        return (exit == 0, output);
    }

    /// <summary>
    /// Pings hostA → hostB and back, then TCP (iperf3) of <paramref name="megabytes"/> each way; asserts every ping
    /// came back and both transfers completed.
    /// </summary>
    public static void PingAndTcpBothWays(BoxTopology topo, int megabytes)
    {
        var (aToB, outAB) = Ping(topo.HostA, "10.2.0.2");
        var (bToA, outBA) = Ping(topo.HostB, "10.1.0.2");
        NetNs.ShOk($"ip netns exec {topo.HostB} iperf3 -s -1 -D");
        Thread.Sleep(300);
        string upload = NetNs.ShOk($"ip netns exec {topo.HostA} iperf3 -c 10.2.0.2 -n {megabytes}M");
        NetNs.ShOk($"ip netns exec {topo.HostB} iperf3 -s -1 -D");
        Thread.Sleep(300);
        string download = NetNs.ShOk($"ip netns exec {topo.HostA} iperf3 -c 10.2.0.2 -n {megabytes}M -R");
        Assert.True(aToB, outAB);
        Assert.True(bToA, outBA);
        Assert.Contains("receiver", upload);
        Assert.Contains("receiver", download);
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
