using System.Buffers.Binary;
using Appliance.Ipsec;
using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Esp;
using EspMode = Appliance.Ipsec.IpsecMode;

namespace Appliance.Ike.Tests.Engine;

/// <summary>
/// Two engines and two model data paths (real ESP SAs from the keys IKE hands out) on a link that carries IKE and ESP in
/// one queue per direction with a delay, under continuous traffic both ways: rekeys started by either side, collisions,
/// an early rekey because sequence numbers run out, and IKE SA rekeys must never leave a packet without an SA at the
/// sender or meet an SPI the receiver does not know. The data path follows the host's rules: install on
/// ChildSaEstablished, keep sending on the old SA after answering the peer's rekey until the peer uses the new one or
/// deletes the old one, remove on ChildSaDeleted, ask for a rekey when the soft lifetime is reached.
/// </summary>
public class TrafficDuringRekeyTests
{
    private sealed class ModelDataPath(IkeEngine engine, string name)
    {
        private readonly Dictionary<uint, EspSa> _inbound = new();
        private readonly List<(uint In, EspSa Out)> _outbound = []; // in install order
        private readonly Dictionary<uint, EspSa> _waiting = new();  // by inbound SPI: deferred outbound halves
        private readonly HashSet<uint> _rekeyAsked = new();
        private (uint In, EspSa Out)? _current;
        public ulong InitialSequenceOfFirstSa { get; init; }
        public int Sent, Received, NoSa, UnknownSpi, OtherDrops, EarlyRekeys;
        public DropReason LastDrop;

        public System.Text.StringBuilder Trace { get; } = new();
        public int NoSaNow => NoSa;

        public void Handle(IkeEvent e)
        {
            Trace.AppendLine($"{name} {e.GetType().Name} {(e is ChildSaEstablished ce ? $"in {ce.Child.InboundSpi:x8} out {ce.Child.OutboundSpi:x8} rekeyOf {ce.RekeyOfInboundSpi:x8} answered {ce.AnsweredPeerRekey}" : e is ChildSaDeleted cd ? $"in {cd.InboundSpi:x8} out {cd.OutboundSpi:x8} {cd.Reason} replaced {cd.Replaced}" : "")} noSa {NoSa} unknown {UnknownSpi}");
            switch (e)
            {
                case ChildSaEstablished c:
                    var info = c.Child;
                    _inbound[info.InboundSpi] = Make(info.InboundSpi, SaDirection.Inbound, info.Inbound, 0);
                    var outbound = Make(info.OutboundSpi, SaDirection.Outbound, info.Outbound, _outbound.Count == 0 ? InitialSequenceOfFirstSa : 0);
                    if (c.Redundant) break; // receive only, never a successor
                    _outbound.Add((info.InboundSpi, outbound));
                    if (c.AnsweredPeerRekey && _current is not null) _waiting[info.InboundSpi] = outbound;
                    else _current = (info.InboundSpi, outbound);
                    break;
                case ChildSaDeleted d:
                    _inbound.Remove(d.InboundSpi);
                    _waiting.Remove(d.InboundSpi);
                    _outbound.RemoveAll(o => o.In == d.InboundSpi);
                    if (_current?.In == d.InboundSpi)
                    {
                        _current = _outbound.Count == 0 ? null : _outbound[^1];
                        if (_current is { } now) _waiting.Remove(now.In);
                    }
                    break;
            }
        }

        private static EspSa Make(uint spi, SaDirection direction, ChildSaKeys keys, ulong initialSequence) =>
            EspSa.Create(new EspSaParameters
            {
                Spi = spi, Direction = direction, Mode = EspMode.Tunnel, Suite = EspSuite.AesGcm256,
                EncryptionKey = [.. keys.EncryptionKey, .. keys.Salt], InitialSequenceNumber = initialSequence,
            });

        public byte[]? Seal()
        {
            Sent++;
            if (_current is not { } sa) { NoSa++; return null; }
            var buffer = new byte[256];
            // A 40-byte IPv4/UDP packet 10.1.0.2 -> 10.2.0.2 as the inner packet.
            Span<byte> ip = buffer.AsSpan(64, 40);
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], 40);
            (ip[8], ip[9]) = (64, 17);
            new byte[] { 10, 1, 0, 2, 10, 2, 0, 2 }.CopyTo(ip[12..]);
            Appliance.Ipsec.Packets.InternetChecksum.WriteIPv4HeaderChecksum(ip);
            var reason = sa.Out.Seal(buffer, 64, 40, 4, out int offset, out int length); // next header: IPv4 (tunnel mode)
            if (reason != DropReason.None) { OtherDrops++; return null; }
            if (sa.Out.SoftLifetimeReached && _rekeyAsked.Add(sa.In) && engine.RequestChildRekey(sa.In)) EarlyRekeys++;
            return buffer.AsSpan(offset, length).ToArray();
        }

        public void Open(byte[] esp)
        {
            uint spi = BinaryPrimitives.ReadUInt32BigEndian(esp);
            if (!_inbound.TryGetValue(spi, out var sa)) { UnknownSpi++; return; }
            if (sa.Open(esp, out _) is var why and not DropReason.None) { OtherDrops++; LastDrop = why; return; }
            Received++;
            // The peer sends on the SA we answered its rekey with: it has it, so we use it too.
            if (_waiting.Remove(spi, out var outbound)) _current = (spi, outbound);
        }

        public override string ToString() =>
            $"{name}: sent {Sent} received {Received} noSa {NoSa} unknownSpi {UnknownSpi} other {OtherDrops} ({LastDrop}) early rekeys {EarlyRekeys}";
    }

    /// <summary>Steps of 50 ms; everything sent in one step arrives in the next, IKE and ESP in order.</summary>
    private static (ModelDataPath A, ModelDataPath B, TestPeers Peers) Run(IkeEngineOptions? a, IkeEngineOptions? b, TimeSpan duration,
        int seed = 1, ulong initialSequenceA = 0, double ikeLoss = 0)
    {
        var peers = new TestPeers(a, b, seed);
        peers.A.AddTunnel(TestPeers.Config("to-b", TestPeers.AddressA, TestPeers.AddressB, "a.example.com", "b.example.com"));
        peers.B.AddTunnel(TestPeers.Config("to-a", TestPeers.AddressB, TestPeers.AddressA, "b.example.com", "a.example.com",
            localTs: "10.2.0.0/16", remoteTs: "10.1.0.0/16"));
        var dpA = new ModelDataPath(peers.A, "A") { InitialSequenceOfFirstSa = initialSequenceA };
        var dpB = new ModelDataPath(peers.B, "B");
        peers.A.Initiate("to-b");
        var loss = new Random(seed);
        var toB = new List<object>();
        var toA = new List<object>();
        void Drain()
        {
            while (peers.A.TryDequeueOutgoing(out var d)) if (loss.NextDouble() >= ikeLoss) toB.Add(d);
            while (peers.B.TryDequeueOutgoing(out var d)) if (loss.NextDouble() >= ikeLoss) toA.Add(d);
            while (peers.A.TryDequeueEvent(out var e)) dpA.Handle(e);
            while (peers.B.TryDequeueEvent(out var e)) dpB.Handle(e);
        }
        void Deliver(List<object> items, IkeEngine to, ModelDataPath dp)
        {
            foreach (object item in items)
            {
                if (item is OutgoingDatagram d) to.HandleDatagram(d.Remote, d.Local, d.Payload);
                else dp.Open((byte[])item);
                Drain(); // events take effect before the next packet, as on one host thread
            }
        }
        Drain();
        bool up = false;
        for (var t = TimeSpan.Zero; t < duration; t += TimeSpan.FromMilliseconds(50))
        {
            var (arriveAtB, arriveAtA) = (toB.ToList(), toA.ToList());
            toB.Clear();
            toA.Clear();
            Deliver(arriveAtB, peers.B, dpB);
            Deliver(arriveAtA, peers.A, dpA);
            peers.Time.Advance(TimeSpan.FromMilliseconds(50));
            peers.A.Tick();
            peers.B.Tick();
            Drain();
            up |= peers.A.GetStatus().Tunnels[0].ChildSas.Count > 0 && peers.B.GetStatus().Tunnels[0].ChildSas.Count > 0;
            if (!up) continue; // traffic starts once the first Child SA is up on both sides
            for (int i = 0; i < 2; i++)
            {
                if (dpA.Seal() is { } ea) toB.Add(ea);
                if (dpB.Seal() is { } eb) toA.Add(eb);
            }
        }
        return (dpA, dpB, peers);
    }

    private static void AssertNothingLost(ModelDataPath a, ModelDataPath b)
    {
        string both = a + " | " + b + "\n" + a.Trace + "\n" + b.Trace;
        Assert.True(a.Sent > 1000, both);
        Assert.True(a.NoSa + b.NoSa == 0, both);
        Assert.True(a.UnknownSpi + b.UnknownSpi == 0, both);
        Assert.True(a.OtherDrops + b.OtherDrops == 0, both);
        // Only what was still in flight at the end is missing.
        Assert.InRange(a.Sent - b.Received, 0, 2);
        Assert.InRange(b.Sent - a.Received, 0, 2);
    }

    private static readonly IkeEngineOptions Rekeying = new()
    {
        ChildSaRekeyTime = TimeSpan.FromSeconds(20), IkeSaRekeyTime = TimeSpan.FromSeconds(70),
    };

    [Theory]
    [InlineData(true, false)]  // the initiator of the IKE SA rekeys
    [InlineData(false, true)]  // the responder does: the initiator keeps sending on the old SA until the responder uses the new one
    [InlineData(true, true)]   // both, with collisions
    public void Rekeys_under_continuous_traffic_lose_no_packet_for_a_missing_sa(bool aRekeys, bool bRekeys)
    {
        for (int seed = 1; seed <= 12; seed++)
        {
            var (a, b, peers) = Run(aRekeys ? Rekeying : null, bRekeys ? Rekeying : null, TimeSpan.FromMinutes(3), seed);
            AssertNothingLost(a, b);
            Assert.True(peers.A.GetStatus().Tunnels[0].ChildSas.Count == 1, a + " | " + b);
        }
    }

    [Fact]
    public void Rekeys_with_lossy_ike_still_lose_no_esp_packet_for_a_missing_sa()
    {
        for (int seed = 1; seed <= 12; seed++)
        {
            // Hard limits well past the rekey times: a lost CREATE_CHILD_SA waits 4 s for its retransmission, more than the
            // default +10 % of a 20 s rekey time (at the real 1 h the margin is 6 min). Expiry has its own tests.
            var lossy = Rekeying with { ChildSaLifeTime = TimeSpan.FromSeconds(60), IkeSaLifeTime = TimeSpan.FromSeconds(150) };
            var (a, b, _) = Run(lossy, lossy, TimeSpan.FromMinutes(4), seed, ikeLoss: 0.1);
            AssertNothingLost(a, b);
        }
    }

    [Fact]
    public void Sequence_numbers_running_out_rekey_the_sa_before_sealing_has_to_stop()
    {
        // A's first SA starts 100 packets before the soft mark (the last 1/64 of the 32-bit space), 40 packets a second.
        ulong start = uint.MaxValue - uint.MaxValue / 64 - 100;
        var (a, b, peers) = Run(null, null, TimeSpan.FromSeconds(30), initialSequenceA: start);
        AssertNothingLost(a, b);
        Assert.Equal(1, a.EarlyRekeys);
        Assert.Equal(0, peers.A.GetStatus().Tunnels[0].ChildSas.Count(c => c.InboundSpi == 0));
        Assert.Single(peers.A.GetStatus().Tunnels[0].ChildSas);
    }
}
