using System.Net;
using Appliance.Ike;
using Appliance.L2tp;
using Appliance.L2tp.L2tp;
using Appliance.L2tp.Ppp;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// One PPP link on its own (no L2TP around it): up to 32 PPP frames, [length:2][frame] each (length 0: the clock moves
/// 3 s and the Restart timers run), into a fresh link that has started LCP. Frames reach LCP, the MS-CHAPv2
/// authenticator, IPCP and the IP path depending on the phase the earlier frames reached. Everything the link sends is
/// checked to be a frame it could parse itself.
/// </summary>
public sealed class PppHarness : IHarness
{
    public string Name => "ppp";
    public string Description => "PPP link: frame/packet/option parse, RFC 1661 automaton for LCP and IPCP, MS-CHAPv2 authenticator, IP";

    private sealed class Sink : IPppLinkEvents
    {
        public void SendFrame(byte[] frame)
        {
            if (!PppFrame.TryParse(frame, out ushort protocol, out int at) || protocol != PppProtocol.Ip && !PppPacket.TryParse(frame.AsSpan(at), out _))
                throw new FuzzFindingException("the link sent a frame it cannot parse itself");
        }

        public void Connected(string userName, IPAddress address, int peerMru) { }
        public void IpReceived(IPAddress clientAddress, byte[] packet) { }
        public void Finished(string reason) { }
    }

    public void Run(ReadOnlySpan<byte> input) => RunToAddress(input);

    /// <summary>Runs the input; true when the link reached the network phase with an address (for the reach test).</summary>
    internal static bool RunToAddress(ReadOnlySpan<byte> input)
    {
        var time = new SteppedTime();
        var users = new EapUserStore();
        users.AddPassword(L2tpFixture.User, L2tpFixture.Password);
        var pool = new VirtualIpPoolAddresses(IPNetwork.Parse("10.20.0.0/29"));
        var options = new PppOptions { ServerAddress = pool.ServerAddress, PrimaryDns = IPAddress.Parse("192.168.1.1") };
        var random = new CounterRandom();
        // The server draws a Tunnel ID and a Session ID before the link: the same draws keep L2TP-derived seeds valid.
        random.Fill(new byte[4]);
        using var link = new PppLink(options, new L2tpCounters(), random, users, new EapGuard(), pool, new Sink());
        link.Start(time.GetUtcNow());
        for (int i = 0; i < 32 && input.Length >= 2; i++)
        {
            int length = Math.Min((input[0] << 8) | input[1], input.Length - 2);
            if (length == 0)
            {
                time.Advance(TimeSpan.FromSeconds(3));
                link.Tick(time.GetUtcNow());
            }
            else
                link.Receive(input.Slice(2, length), time.GetUtcNow());
            input = input[(2 + length)..];
            if (link.Address is { } a)
                link.SendIp([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 192, 168, 1, 50, .. a.GetAddressBytes()]);
        }
        return link.Address is not null;
    }

    public IEnumerable<byte[]> Seeds()
    {
        yield return L2tpFixture.Records(PppFrames(L2tpFixture.Transcript()));
        yield return L2tpFixture.Records(PppFrames(L2tpFixture.Transcript(extras: true)));
        yield return L2tpFixture.Records(PppFrames(L2tpFixture.Transcript(password: "wrong")));
    }

    /// <summary>The PPP frames of the data messages of an L2TP transcript, and its clock steps.</summary>
    private static IEnumerable<byte[]> PppFrames(List<byte[]> datagrams)
    {
        foreach (byte[] d in datagrams)
        {
            if (d.Length == 0)
                yield return d;
            else if (L2tpHeader.TryParse(d, out L2tpHeader h, out Range r, out _) && !h.IsControl)
                yield return d[r];
        }
    }
}
