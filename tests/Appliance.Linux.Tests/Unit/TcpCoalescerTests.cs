using Appliance.Linux.Io;
using Appliance.Linux.Packets;
using static Appliance.Linux.Tests.Unit.TcpPackets;

namespace Appliance.Linux.Tests.Unit;

public sealed class TcpCoalescerTests
{
    private const ulong Mac = 0x0200_0000_0001;

    [Fact]
    public void Merges_finished_before_the_send_are_reported_too()
    {
        using var batch = new PacketBatch(8, 65536 + 64);
        var coalescer = new TcpCoalescer(batch, Mac);
        // Two runs of one flow: 3 in-order full segments, then a sequence gap starts the second run of 2.
        for (uint i = 0; i < 3; i++) coalescer.Add(Build(Ack, [], 1000, seq: 1000 + i * 1000), Mac);
        coalescer.Add(Build(Ack, [], 1000, seq: 100_000), Mac);
        coalescer.Add(Build(Ack, [], 1000, seq: 101_000), Mac);

        Assert.Equal(2, coalescer.TakeMerged()); // the first run closed when the gap arrived
        Assert.Equal(0, coalescer.TakeMerged());
        coalescer.Close();
        Assert.Equal(1, coalescer.TakeMerged());
        Assert.Equal(2, batch.Count);
        Assert.Equal(3, coalescer.Merged);
    }
}
