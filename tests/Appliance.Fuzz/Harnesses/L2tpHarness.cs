using Appliance.L2tp;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// The L2TP network server: a run of up to 32 datagrams from one LAC, [length:2][datagram] each (length 0: the clock
/// moves 3 s and timers run), into a fresh deterministic server, so tunnel, session and PPP state carry from one to the
/// next. Its InternalError counter (exceptions it caught as defence in depth) is a finding.
/// </summary>
public sealed class L2tpHarness : IHarness
{
    public string Name => "l2tp";
    public string Description => "L2TP LNS: header/AVP parse, control connection, reliable delivery, sessions, PPP inside";

    public void Run(ReadOnlySpan<byte> input)
    {
        var time = new SteppedTime();
        using L2tpServer server = L2tpFixture.NewServer(time);
        for (int i = 0; i < 32 && input.Length >= 2; i++)
        {
            int length = Math.Min((input[0] << 8) | input[1], input.Length - 2);
            if (length == 0)
            {
                time.Advance(TimeSpan.FromSeconds(3));
                server.Tick();
            }
            else
                server.HandleDatagram(L2tpFixture.Peer, input.Slice(2, length));
            input = input[(2 + length)..];
            while (server.TryDequeueOutgoing(out _)) { }
            while (server.TryDequeueEvent(out _)) { }
            while (server.TryDequeueIpPacket(out L2tpIpPacket? p))
                server.SendIpPacket(p!.ClientAddress, p.Packet); // echo it back through the output path
        }
        if (server.Counters[L2tpCounter.InternalError] != 0)
            throw new FuzzFindingException("the L2TP server caught an exception (InternalError)");
    }

    public IEnumerable<byte[]> Seeds()
    {
        yield return L2tpFixture.Records(L2tpFixture.Transcript());
        yield return L2tpFixture.Records(L2tpFixture.Transcript(sequencing: true, extras: true));
        yield return L2tpFixture.Records(L2tpFixture.Transcript(password: "wrong"));
        yield return L2tpFixture.Records(L2tpFixture.Transcript().Take(3));
    }
}
