using Appliance.L2tp.Ppp;

namespace Appliance.L2tp.Tests;

/// <summary>
/// Rows of the RFC 1661 §4.1 state transition table: a path of events from Initial, then the state after the last
/// event and the actions that event took (tlu/tld/tls/tlf and the packets scr/sca/scn/str/sta/scj).
/// </summary>

public class AutomatonTests
{
    private sealed class Probe : NegotiationAutomaton
    {
        public List<string> Actions { get; } = [];
        public RequestVerdict Verdict { get; set; } = RequestVerdict.Ack;
        public byte[]? LastRequest;
        public byte LastRequestId;

        private Probe(PppOptions o, List<string> actions, Action<ushort, byte[]> send) : base(PppProtocol.Ipcp, o, new L2tpCounters(), send)
        {
            Actions = actions;
        }

        public static Probe Create()
        {
            var actions = new List<string>();
            Probe? probe = null;
            probe = new Probe(new PppOptions { MaxConfigure = 2, MaxTerminate = 2 }, actions, (_, packet) =>
            {
                Assert.True(PppPacket.TryParse(packet, out PppPacket p));
                if (p.Code == 1) { probe!.LastRequest = p.Data; probe.LastRequestId = p.Identifier; }
                actions.Add(p.Code switch { 1 => "scr", 2 => "sca", 3 or 4 => "scn", 5 => "str", 6 => "sta", 7 => "scj", _ => $"code{p.Code}" });
            });
            return probe;
        }

        protected override List<PppOption> RequestOptions() => [new PppOption(3, [10, 0, 0, 1])];

        protected override RequestVerdict CheckRequest(List<PppOption> received, out List<PppOption> answer)
        {
            answer = Verdict == RequestVerdict.Ack ? [] : [received[0]];
            return Verdict;
        }

        protected override bool ApplyNak(List<PppOption> naked) => true;
        protected override bool ApplyReject(List<PppOption> rejected) => true;
        protected override void ThisLayerUp(DateTimeOffset now) => Actions.Add("tlu");
        protected override void ThisLayerDown(DateTimeOffset now) => Actions.Add("tld");
        protected override void ThisLayerStarted(DateTimeOffset now) => Actions.Add("tls");
        protected override void ThisLayerFinished(DateTimeOffset now) => Actions.Add("tlf");
    }

    private static readonly string[] ToOpened = ["Open", "Up", "RCA", "RCR+"];

    [Theory]
    [InlineData("Open", "Starting", "tls")]
    [InlineData("Open Up", "ReqSent", "scr")]
    [InlineData("Up", "Closed", "")]
    [InlineData("Up Open", "ReqSent", "scr")]
    [InlineData("Up RCR+", "Closed", "sta")]
    [InlineData("Open Close", "Initial", "tlf")]
    [InlineData("Open Up RCA", "AckRcvd", "")]
    [InlineData("Open Up RCR+", "AckSent", "sca")]
    [InlineData("Open Up RCR-", "ReqSent", "scn")]
    [InlineData("Open Up RCN", "ReqSent", "scr")]
    [InlineData("Open Up RCA RCR+", "Opened", "sca tlu")]
    [InlineData("Open Up RCA RCR-", "AckRcvd", "scn")]
    [InlineData("Open Up RCA RCA", "ReqSent", "scr")]
    [InlineData("Open Up RCA RCN", "ReqSent", "scr")]
    [InlineData("Open Up RCA RTA", "ReqSent", "")]
    [InlineData("Open Up RCR+ RCA", "Opened", "tlu")]
    [InlineData("Open Up RCR+ RCR-", "ReqSent", "scn")]
    [InlineData("Open Up RCR+ RCN", "AckSent", "scr")]
    [InlineData("Open Up RCR+ RTR", "ReqSent", "sta")]
    [InlineData("Open Up TO", "ReqSent", "scr")]
    [InlineData("Open Up TO TO", "Stopped", "tlf")]
    [InlineData("Open Up TO TO RCR+", "AckSent", "scr sca")]
    [InlineData("Open Up TO TO RCR-", "ReqSent", "scr scn")]
    [InlineData("Open Up TO TO Down", "Starting", "tls")]
    [InlineData("Open Up TO TO Close", "Closed", "")]
    [InlineData("Open Up Close", "Closing", "str")]
    [InlineData("Open Up Close RCR+", "Closing", "")]
    [InlineData("Open Up Close TO", "Closing", "str")]
    [InlineData("Open Up Close TO TO", "Closed", "tlf")]
    [InlineData("Open Up Close RTA", "Closed", "tlf")]
    [InlineData("Open Up Close RTR", "Closing", "sta")]
    [InlineData("Open Up Close Open", "Stopping", "")]
    [InlineData("Open Up Close Down", "Initial", "")]
    [InlineData("Opened RCR+", "AckSent", "tld scr sca")]
    [InlineData("Opened RCR-", "ReqSent", "tld scr scn")]
    [InlineData("Opened RCA", "ReqSent", "tld scr")]
    [InlineData("Opened RCN", "ReqSent", "tld scr")]
    [InlineData("Opened RTR", "Stopping", "tld sta")]
    [InlineData("Opened RTR TO", "Stopped", "tlf")]
    [InlineData("Opened RTA", "ReqSent", "tld scr")]
    [InlineData("Opened RUC", "Opened", "scj")]
    [InlineData("Opened RXJ+", "Opened", "")]
    [InlineData("Opened RXJ-", "Stopping", "tld str")]
    [InlineData("Opened Close", "Closing", "tld str")]
    [InlineData("Opened Down", "Starting", "tld")]
    [InlineData("Opened Open", "Opened", "")]
    [InlineData("Open Up RXJ-", "Stopped", "tlf")]
    [InlineData("Open Up RCA RXJ+", "ReqSent", "")]
    public void Transition(string path, string expectedState, string actions)
    {
        Probe probe = Probe.Create();
        DateTimeOffset now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        string[] events = path.Split(' ').SelectMany(e => e == "Opened" ? ToOpened : [e]).ToArray();
        for (int i = 0; i < events.Length; i++)
        {
            probe.Actions.Clear();
            switch (events[i])
            {
                case "Up": probe.Up(now); break;
                case "Down": probe.Down(now); break;
                case "Open": probe.Open(now); break;
                case "Close": probe.Close(now, "test"); break;
                case "TO": now += TimeSpan.FromSeconds(3); probe.Tick(now); break;
                case "RCR+": probe.Verdict = RequestVerdict.Ack; probe.Receive(Packet(1, 77, [3, 6, 10, 0, 0, 2]), now); break;
                case "RCR-": probe.Verdict = RequestVerdict.Nak; probe.Receive(Packet(1, 78, [3, 6, 0, 0, 0, 0]), now); break;
                case "RCA": probe.Receive(Packet(2, probe.LastRequestId, probe.LastRequest!), now); break;
                case "RCN": probe.Receive(Packet(3, probe.LastRequestId, [3, 6, 10, 0, 0, 9]), now); break;
                case "RTR": probe.Receive(Packet(5, 5, []), now); break;
                case "RTA": probe.Receive(Packet(6, 5, []), now); break;
                case "RUC": probe.Receive(Packet(99, 5, [1]), now); break;
                case "RXJ+": probe.Receive(Packet(7, 5, [9, 1, 0, 4]), now); break;
                case "RXJ-": probe.Receive(Packet(7, 5, [1, 1, 0, 4]), now); break;
                default: throw new ArgumentException(events[i]);
            }
        }
        Assert.Equal(expectedState, probe.State.ToString());
        Assert.Equal(actions, string.Join(' ', probe.Actions));
    }

    private static byte[] Packet(byte code, byte id, byte[] data) => new PppPacket(code, id, data).Encode();
}
