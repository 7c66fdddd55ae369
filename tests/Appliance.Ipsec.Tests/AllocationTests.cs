using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Esp;

namespace Appliance.Ipsec.Tests;

/// <summary>The data path allocates nothing per packet on the AEAD suites (the design goal of the in-place API).</summary>
public class AllocationTests
{
    public static TheoryData<EspSuite, CryptoBackend> AeadCombinations()
    {
        var data = new TheoryData<EspSuite, CryptoBackend>();
        foreach ((EspSuite suite, CryptoBackend backend) in TestSa.SupportedCombinations())
        {
            if (EspSuiteInfo.IsAead(suite))
                data.Add(suite, backend);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(AeadCombinations))]
    public void Seal_and_open_allocate_nothing(EspSuite suite, CryptoBackend backend)
    {
        (EspSa outbound, EspSa inbound) = TestSa.Pair(suite, backend, IpsecMode.Tunnel, esn: true);
        byte[] inner = TestPackets.Make(false, 1380, new Random(1));
        byte[] buffer = TestPackets.WithRoom(inner, out int offset);
        int failures = 0;
        void Once()
        {
            // No Assert inside the measured loop: xunit's comparers allocate.
            inner.CopyTo(buffer, offset);
            if (outbound.SealTunnel(buffer, offset, inner.Length, out int o, out int l) != DropReason.None
                || inbound.Open(buffer.AsSpan(o, l), out _) != DropReason.None)
                failures++;
        }
        for (int i = 0; i < 100; i++)
            Once(); // warm up JIT and lazily created native contexts

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
            Once();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, failures);
        Assert.Equal(0, allocated);
    }
}
