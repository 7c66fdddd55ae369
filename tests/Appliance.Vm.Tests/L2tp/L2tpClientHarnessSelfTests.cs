using Appliance.Vm.Tests.Harness;

namespace Appliance.Vm.Tests.L2tp;

/// <summary>
/// A guest of its own in which the L2TP/IPsec client harness proves itself against a reference server (strongSwan
/// IKEv1 responder + xl2tpd LNS + pppd: tools/systest/l2tp-client/ref-lns.sh), before the box serves L2TP. The
/// appliance is NOT installed here: the reference server takes the box's addresses (10.99.0.1, 192.168.1.1) in the
/// guest's root namespace. The reference server is not our product, so this is no step of ShippedBoxTests, and
/// tools/systest/ci.sh (filter Arm64BoxTests / Amd64BoxTests) never runs it. By hand, after `make systest` inputs:
///   dotnet test tests/Appliance.Vm.Tests --filter FullyQualifiedName~L2tpClientHarnessSelfTests
/// </summary>
public sealed class L2tpHarnessGuest() : ShippedBox("arm64");

public sealed class L2tpClientHarnessSelfTests(L2tpHarnessGuest guest) : IClassFixture<L2tpHarnessGuest>
{
    [Fact]
    public void Clients_behind_the_nat_reach_the_reference_lns_and_its_lan()
    {
        guest.Progress("L2TP harness self-test: sy-l2tp-selftest (two NAT public addresses)");
        var r = guest.TryGuest("sy-l2tp-selftest separate", TimeSpan.FromMinutes(15));
        guest.Progress("L2TP harness self-test output:\n" + r.Output);
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Contains("selftest (separate): all checks passed", r.Output, StringComparison.Ordinal);
    }
}
