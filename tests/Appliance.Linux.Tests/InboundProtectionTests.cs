using Appliance.Ipsec;
using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Esp;
using Appliance.Linux.Tests.Harness;
using static Appliance.Linux.Tests.Harness.Packets;

namespace Appliance.Linux.Tests;

/// <summary>
/// ESP injected on the WAN with a raw socket: replays, bit flips and packets whose inner addresses
/// lie outside the SA's selectors are dropped and counted; valid ones still pass.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class InboundProtectionTests(BoxTopology topo)
{
    [Fact]
    public void Replayed_captured_esp_is_dropped_and_counted()
    {
        using var pair = new BoxPair(topo);
        pair.Install(TestSas.Pair());
        List<byte[]> captured;
        using (var wan = new WanCapture(topo.BoxB, "wan0"))
        {
            Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 3).Ok);
            wan.Stop();
            captured = ReadPcap(wan.File, 50, BoxTopology.WanB);
        }
        Assert.True(captured.Count >= 3);
        var sa = pair.B.Counters.Sas.Values.Single();
        long before = sa.PacketsIn;

        Inject(topo.BoxA, BoxTopology.WanB, 50, captured.ToArray());

        Assert.True(Eventually(() => pair.B.Counters.Drops(DataPlaneDropReason.Replay) == captured.Count),
            $"replay drops {pair.B.Counters.Drops(DataPlaneDropReason.Replay)} of {captured.Count}");
        Assert.Equal(before, sa.PacketsIn);
        Assert.True(BoxPair.Ping(topo.HostA, "10.2.0.2", count: 1).Ok);
    }

    [Fact]
    public void Forged_bit_flipped_and_out_of_selector_packets_are_dropped_valid_ones_pass()
    {
        using var pair = new BoxPair(topo);
        var sas = TestSas.Pair();
        pair.Install(sas);
        // A second sealer with boxA's outbound key, numbering far above boxA's own packets.
        using var forger = EspSa.Create(new EspSaParameters
        {
            Spi = sas.A.OutboundSpi, Direction = SaDirection.Outbound, Mode = IpsecMode.Tunnel,
            Suite = EspSuite.AesGcm128, EncryptionKey = sas.A.OutboundEncryptionKey, InitialSequenceNumber = 100_000,
        });
        var sa = pair.B.Counters.Sas.Values.Single();
        using var wan = new WanCapture(topo.BoxB, "wan0");

        byte[] valid = Seal(forger, Echo("10.1.0.2", "10.2.0.2", 1));
        Inject(topo.BoxA, BoxTopology.WanB, 50, valid);
        Assert.True(Eventually(() => sa.PacketsIn == 1), $"in {sa.PacketsIn}");

        byte[] good = Seal(forger, Echo("10.1.0.2", "10.2.0.2", 2));
        byte[] flipped = (byte[])good.Clone();
        flipped[30] ^= 0x01; // inside the ciphertext
        Inject(topo.BoxA, BoxTopology.WanB, 50, flipped);
        Assert.True(Eventually(() => pair.B.Counters.Drops(DataPlaneDropReason.AuthenticationFailed) == 1));

        // The failed packet did not move the replay window: the intact original is still accepted.
        Inject(topo.BoxA, BoxTopology.WanB, 50, good);
        Assert.True(Eventually(() => sa.PacketsIn == 2), $"in {sa.PacketsIn}");

        byte[] outside = Seal(forger, Echo("10.9.9.9", "10.2.0.2", 3));
        Inject(topo.BoxA, BoxTopology.WanB, 50, outside);
        Assert.True(Eventually(() => pair.B.Counters.Drops(DataPlaneDropReason.SelectorMismatch) == 1));
        Assert.Equal(2, sa.PacketsIn);

        byte[] unknown = (byte[])valid.Clone();
        unknown[3] ^= 0x55; // another SPI
        Inject(topo.BoxA, BoxTopology.WanB, 50, unknown);
        Assert.True(Eventually(() => pair.B.Counters.Drops(DataPlaneDropReason.UnknownSpi) == 1));
        // The raw proto-50 socket makes the kernel treat ESP as delivered: no protocol-unreachable replies.
        Assert.Equal(0, wan.Count("icmp[icmptype] == icmp-unreach"));
    }

    private static byte[] Seal(EspSa sa, byte[] inner)
    {
        var buffer = new byte[64 + inner.Length + 64];
        inner.CopyTo(buffer, 64);
        Assert.Equal(DropReason.None, sa.SealTunnel(buffer, 64, inner.Length, out int offset, out int length));
        return buffer.AsSpan(offset, length).ToArray();
    }
}
