using System.Net;

namespace Appliance.L2tp.Ppp;

/// <summary>
/// IPCP (RFC 1332) as the address-assigning end: we request our own IP-Address; the client's IP-Address is Nak'd to the
/// one the pool gave it (§3.3) and its Primary/Secondary-DNS-Address to ours (RFC 1877 §1.1, §1.3), which are rejected
/// when none is configured; IP compression, NBNS and the deprecated IP-Addresses option are rejected.
/// </summary>
internal sealed class Ipcp(PppOptions options, L2tpCounters counters, Action<ushort, byte[]> sendPacket, IIpcpOwner owner)
    : NegotiationAutomaton(PppProtocol.Ipcp, options, counters, sendPacket)
{
    public const byte IpAddresses = 1, IpCompression = 2, IpAddress = 3, PrimaryDns = 129, PrimaryNbns = 130, SecondaryDns = 131, SecondaryNbns = 132;

    private bool _requestAddress = true;

    /// <summary>The client's address, set by the link before IPCP starts.</summary>
    public IPAddress? ClientAddress { get; set; }

    public override int PeerMru => owner.PeerMru;

    protected override List<PppOption> RequestOptions() =>
        _requestAddress ? [new PppOption(IpAddress, Options.ServerAddress.GetAddressBytes())] : [];

    protected override RequestVerdict CheckRequest(List<PppOption> received, out List<PppOption> answer)
    {
        var reject = new List<PppOption>();
        var nak = new List<PppOption>();
        foreach (PppOption o in received)
        {
            IPAddress? wanted = o.Type switch
            {
                IpAddress => ClientAddress,
                PrimaryDns => Options.PrimaryDns,
                SecondaryDns => Options.SecondaryDns,
                _ => null,
            };
            if (wanted is null || o.Data.Length != 4)
                reject.Add(o);
            else if (!o.Data.AsSpan().SequenceEqual(wanted.GetAddressBytes()))
                nak.Add(new PppOption(o.Type, wanted.GetAddressBytes()));
        }
        // §3.3: a client that does not ask for an address at all is told it in a Nak of its request.
        if (ClientAddress is not null && reject.Count == 0 && !received.Any(o => o.Type == IpAddress))
            nak.Insert(0, new PppOption(IpAddress, ClientAddress.GetAddressBytes()));
        if (reject.Count > 0) { answer = reject; return RequestVerdict.Reject; }
        if (nak.Count > 0) { answer = nak; return RequestVerdict.Nak; }
        answer = [];
        return RequestVerdict.Ack;
    }

    /// <summary>Our end's address is ours to choose: a Nak of it changes nothing.</summary>
    protected override bool ApplyNak(List<PppOption> naked) => true;

    protected override bool ApplyReject(List<PppOption> rejected)
    {
        if (rejected.Any(o => o.Type == IpAddress))
            _requestAddress = false;
        return true;
    }

    protected override void ThisLayerUp(DateTimeOffset now) => owner.IpcpUp(now);
    protected override void ThisLayerDown(DateTimeOffset now) => owner.IpcpDown(now);
    protected override void ThisLayerFinished(DateTimeOffset now) => owner.IpcpFinished(now);
}

internal interface IIpcpOwner
{
    int PeerMru { get; }
    void IpcpUp(DateTimeOffset now);
    void IpcpDown(DateTimeOffset now);
    void IpcpFinished(DateTimeOffset now);
}
