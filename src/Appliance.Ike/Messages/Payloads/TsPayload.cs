using System.Net;

namespace Appliance.Ike.Messages;

/// <summary>TSi / TSr payload (RFC 7296 §3.13).</summary>
public sealed class TsPayload(bool responder, IReadOnlyList<TrafficSelector> selectors) : IkePayload
{
    private const byte Ipv4Range = 7, Ipv6Range = 8;

    public bool IsResponder { get; } = responder;
    public IReadOnlyList<TrafficSelector> Selectors { get; } = selectors;
    public override PayloadType Type => IsResponder ? PayloadType.TrafficSelectorResponder : PayloadType.TrafficSelectorInitiator;

    internal static TsPayload Read(bool responder, ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        int count = r.ReadByte("number of TSs");
        r.Skip(3, "TS reserved");
        if (count == 0)
            throw new MalformedMessageException("TS payload with no selectors");
        var list = new List<TrafficSelector>(count);
        for (int i = 0; i < count; i++)
        {
            byte type = r.ReadByte("TS type");
            byte proto = r.ReadByte("IP protocol ID");
            int length = r.ReadUInt16("selector length");
            var sr = new WireReader(r.ReadBytes(length - 4, "selector"));
            // Unknown selector types (e.g. RFC 4595 FC) are skipped: they can never match an IP packet.
            if (type is not (Ipv4Range or Ipv6Range))
                continue;
            int addrLen = type == Ipv4Range ? 4 : 16;
            if (length != 8 + 2 * addrLen)
                throw new MalformedMessageException($"TS type {type} with selector length {length}");
            ushort sp = sr.ReadUInt16("start port");
            ushort ep = sr.ReadUInt16("end port");
            var start = new IPAddress(sr.ReadBytes(addrLen, "starting address"));
            var end = new IPAddress(sr.ReadBytes(addrLen, "ending address"));
            list.Add(new TrafficSelector(start, end, proto, sp, ep));
        }
        if (r.Remaining != 0)
            throw new MalformedMessageException("TS payload longer than its selectors");
        return new TsPayload(responder, list);
    }

    internal override void WriteBody(WireWriter w)
    {
        w.WriteByte((byte)Selectors.Count);
        w.WriteZeros(3);
        Span<byte> addr = stackalloc byte[16];
        foreach (TrafficSelector ts in Selectors)
        {
            int addrLen = ts.TsType == Ipv4Range ? 4 : 16;
            w.WriteByte(ts.TsType);
            w.WriteByte(ts.IpProtocol);
            w.WriteUInt16((ushort)(8 + 2 * addrLen));
            w.WriteUInt16(ts.StartPort);
            w.WriteUInt16(ts.EndPort);
            ts.StartAddress.TryWriteBytes(addr, out _);
            w.WriteBytes(addr[..addrLen]);
            ts.EndAddress.TryWriteBytes(addr, out _);
            w.WriteBytes(addr[..addrLen]);
        }
    }
}
