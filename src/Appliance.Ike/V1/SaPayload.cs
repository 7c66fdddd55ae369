using System.Buffers.Binary;

namespace Appliance.Ike.V1;

/// <summary>One proposal of an SA payload with its transforms (RFC 2408 §3.5, §3.6), positions into the SA body.</summary>
internal sealed class V1Proposal
{
    public byte Number;
    public byte ProtocolId;
    public byte[] Spi = [];
    public List<V1Transform> Transforms = [];
}

internal sealed class V1Transform
{
    public byte Number;
    public byte TransformId;
    /// <summary>The transform payload's body (number, id, reserved, attributes), echoed in our answer.</summary>
    public byte[] Body = [];
    public List<SaAttribute> Attributes = [];
}

/// <summary>
/// The SA payload body of the IPsec DOI (RFC 2407 §4.6.1): DOI 1, situation SIT_IDENTITY_ONLY, then proposal payloads
/// each carrying transform payloads. Every length is checked against its container.
/// </summary>
internal static class SaPayload
{
    public const uint DoiIpsec = 1;
    public const uint SituationIdentityOnly = 1;

    /// <summary>Parses an SA body; false when malformed or for another DOI/situation.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, List<V1Proposal> proposals)
    {
        proposals.Clear();
        if (body.Length < 8)
            return false;
        if (BinaryPrimitives.ReadUInt32BigEndian(body) != DoiIpsec || BinaryPrimitives.ReadUInt32BigEndian(body[4..]) != SituationIdentityOnly)
            return false;
        var chain = new List<IsakmpPayload>();
        if (PayloadChain.Parse(body, 8, body.Length, PayloadType.Proposal, chain) != ChainError.None)
            return false;
        foreach (IsakmpPayload p in chain)
        {
            if (p.Type != PayloadType.Proposal)
                return false;
            ReadOnlySpan<byte> pb = body.Slice(p.BodyStart, p.BodyLength);
            if (pb.Length < 4)
                return false;
            var proposal = new V1Proposal { Number = pb[0], ProtocolId = pb[1] };
            int spiSize = pb[2];
            int count = pb[3];
            if (4 + spiSize > pb.Length)
                return false;
            proposal.Spi = pb.Slice(4, spiSize).ToArray();
            var transforms = new List<IsakmpPayload>();
            int start = p.BodyStart + 4 + spiSize;
            if (PayloadChain.Parse(body, start, p.End, count == 0 ? PayloadType.None : PayloadType.Transform, transforms) != ChainError.None)
                return false;
            if (transforms.Count != count || PayloadChain.EndOf(transforms, start) != p.End)
                return false;
            foreach (IsakmpPayload t in transforms)
            {
                if (t.Type != PayloadType.Transform || t.BodyLength < 4)
                    return false;
                ReadOnlySpan<byte> tb = body.Slice(t.BodyStart, t.BodyLength);
                var transform = new V1Transform { Number = tb[0], TransformId = tb[1], Body = tb.ToArray() };
                if (!SaAttributes.TryParse(tb[4..], transform.Attributes))
                    return false;
                proposal.Transforms.Add(transform);
            }
            proposals.Add(proposal);
        }
        return proposals.Count > 0;
    }

    /// <summary>Our answer: one proposal with the one chosen transform (RFC 2408 §4.2: as the initiator sent it).</summary>
    public static byte[] BuildReply(byte proposalNumber, byte protocolId, ReadOnlySpan<byte> spi, byte[] transformBody)
    {
        int transformLength = 4 + transformBody.Length;
        int proposalLength = 4 + 4 + spi.Length + transformLength;
        var output = new byte[8 + proposalLength];
        BinaryPrimitives.WriteUInt32BigEndian(output, DoiIpsec);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(4), SituationIdentityOnly);
        int p = 8;
        output[p] = PayloadType.None;
        BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(p + 2), (ushort)proposalLength);
        output[p + 4] = proposalNumber;
        output[p + 5] = protocolId;
        output[p + 6] = (byte)spi.Length;
        output[p + 7] = 1;
        spi.CopyTo(output.AsSpan(p + 8));
        int t = p + 8 + spi.Length;
        output[t] = PayloadType.None;
        BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(t + 2), (ushort)transformLength);
        transformBody.CopyTo(output, t + 4);
        return output;
    }
}
