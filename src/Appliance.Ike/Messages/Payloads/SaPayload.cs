namespace Appliance.Ike.Messages;

/// <summary>Transform Attribute "Key Length" (RFC 7296 §3.3.5), the only one defined.</summary>
public sealed record Transform(TransformType Type, ushort Id, int? KeyLength = null, bool HasUnknownAttribute = false)
{
    internal const ushort KeyLengthAttribute = 14;
}

/// <summary>One proposal substructure (RFC 7296 §3.3.1).</summary>
public sealed record Proposal(byte Number, ProtocolId Protocol, byte[] Spi, IReadOnlyList<Transform> Transforms);

/// <summary>Security Association payload (RFC 7296 §3.3).</summary>
public sealed class SaPayload(IReadOnlyList<Proposal> proposals) : IkePayload
{
    public IReadOnlyList<Proposal> Proposals { get; } = proposals;
    public override PayloadType Type => PayloadType.SecurityAssociation;

    internal static SaPayload Read(ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        var proposals = new List<Proposal>();
        bool last = false;
        while (!last)
        {
            byte more = r.ReadByte("proposal last substruc");
            if (more is not (0 or 2))
                throw new MalformedMessageException($"proposal last substruc {more} is neither 0 nor 2");
            last = more == 0;
            r.Skip(1, "proposal reserved");
            int length = r.ReadUInt16("proposal length");
            if (length < 8)
                throw new MalformedMessageException($"proposal length {length} < 8");
            var pr = new WireReader(r.ReadBytes(length - 4, "proposal body"));
            byte number = pr.ReadByte("proposal number");
            var protocol = (ProtocolId)pr.ReadByte("protocol ID");
            int spiSize = pr.ReadByte("SPI size");
            int count = pr.ReadByte("number of transforms");
            byte[] spi = pr.ReadBytes(spiSize, "SPI").ToArray();
            var transforms = new List<Transform>(count);
            for (int i = 0; i < count; i++)
                transforms.Add(ReadTransform(ref pr, i == count - 1));
            if (pr.Remaining != 0)
                throw new MalformedMessageException("proposal has bytes after its last transform");
            proposals.Add(new Proposal(number, protocol, spi, transforms));
        }
        if (r.Remaining != 0)
            throw new MalformedMessageException("SA payload has bytes after its last proposal");
        return new SaPayload(proposals);
    }

    private static Transform ReadTransform(ref WireReader pr, bool expectLast)
    {
        byte more = pr.ReadByte("transform last substruc");
        if (more != (expectLast ? 0 : 3))
            throw new MalformedMessageException($"transform last substruc {more} disagrees with the transform count");
        pr.Skip(1, "transform reserved");
        int length = pr.ReadUInt16("transform length");
        if (length < 8)
            throw new MalformedMessageException($"transform length {length} < 8");
        var tr = new WireReader(pr.ReadBytes(length - 4, "transform body"));
        var type = (TransformType)tr.ReadByte("transform type");
        tr.Skip(1, "transform reserved");
        ushort id = tr.ReadUInt16("transform ID");
        int? keyLength = null;
        bool unknown = false;
        while (tr.Remaining > 0)
        {
            ushort attrType = tr.ReadUInt16("attribute type");
            bool tv = (attrType & 0x8000) != 0;
            attrType &= 0x7fff;
            if (tv)
            {
                ushort value = tr.ReadUInt16("attribute value");
                if (attrType == Transform.KeyLengthAttribute && keyLength is null) keyLength = value;
                else unknown = true;
            }
            else
            {
                int len = tr.ReadUInt16("attribute length");
                tr.Skip(len, "attribute value");
                unknown = true;
            }
        }
        return new Transform(type, id, keyLength, unknown);
    }

    internal override void WriteBody(WireWriter w)
    {
        for (int p = 0; p < Proposals.Count; p++)
        {
            Proposal proposal = Proposals[p];
            int start = w.Length;
            w.WriteByte(p == Proposals.Count - 1 ? (byte)0 : (byte)2);
            w.WriteByte(0);
            w.WriteUInt16(0);
            w.WriteByte(proposal.Number);
            w.WriteByte((byte)proposal.Protocol);
            w.WriteByte((byte)proposal.Spi.Length);
            w.WriteByte((byte)proposal.Transforms.Count);
            w.WriteBytes(proposal.Spi);
            for (int t = 0; t < proposal.Transforms.Count; t++)
            {
                Transform transform = proposal.Transforms[t];
                int tstart = w.Length;
                w.WriteByte(t == proposal.Transforms.Count - 1 ? (byte)0 : (byte)3);
                w.WriteByte(0);
                w.WriteUInt16(0);
                w.WriteByte((byte)transform.Type);
                w.WriteByte(0);
                w.WriteUInt16(transform.Id);
                if (transform.KeyLength is int kl)
                {
                    w.WriteUInt16(0x8000 | Transform.KeyLengthAttribute);
                    w.WriteUInt16((ushort)kl);
                }
                w.PatchUInt16(tstart + 2, (ushort)(w.Length - tstart));
            }
            w.PatchUInt16(start + 2, (ushort)(w.Length - start));
        }
    }
}
