using Appliance.Fuzz.Harnesses;

namespace Appliance.Fuzz;

/// <summary>Every harness by name: the names are the corpus folders and the `make fuzz` targets.</summary>
public static class HarnessRegistry
{
    public static IReadOnlyList<IHarness> All { get; } =
    [
        new IkeDecodeHarness(),
        new IkeSkHarness(),
        new IkeSkfHarness(),
        new EspOpenHarness(),
        new AhOpenHarness(),
        new InboundPacketHarness(),
        new UdpEncapsulationHarness(),
        new ProvisioningLinesHarness(),
        new ConfigurationHarness(),
        new CertificateChainHarness(),
        new DhcpHarness(),
        new DnsHarness(),
        new L2tpHarness(),
        new PppHarness(),
        new IkeV1Harness(),
    ];

    public static IHarness? Find(string name) => All.FirstOrDefault(h => h.Name == name);
}
