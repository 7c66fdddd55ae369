using System.Buffers.Binary;
using System.Net;

namespace Appliance.Ike.V1;

/// <summary>Which NAT-T dialect the initiator announced (its Vendor IDs), best first.</summary>
internal enum NatTVariant
{
    None = 0,
    Draft02 = 1,
    Draft03 = 2,
    Rfc3947 = 3,
}

/// <summary>Vendor IDs (RFC 3947 §3.1 MD5 of "RFC 3947", the drafts' MD5s, RFC 3706 §5 DPD) and NAT-D hashes.</summary>
internal static class NatTraversal
{
    /// <summary>MD5("RFC 3947").</summary>
    public static readonly byte[] VidRfc3947 = Convert.FromHexString("4A131C81070358455C5728F20E95452F");
    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-02\n") and MD5("draft-ietf-ipsec-nat-t-ike-02").</summary>
    public static readonly byte[] VidDraft02n = Convert.FromHexString("90CB80913EBB696E086381B5EC427B1F");
    public static readonly byte[] VidDraft02 = Convert.FromHexString("CD60464335DF21F87CFDB2FC68B6A448");
    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-03").</summary>
    public static readonly byte[] VidDraft03 = Convert.FromHexString("7D9419A65310CA6F2C179D9215529D56");
    /// <summary>RFC 3706 §5: the DPD vendor ID, version 1.0.</summary>
    public static readonly byte[] VidDpd = Convert.FromHexString("AFCAD71368A1F1C96B8696FC77570100");

    public static NatTVariant Recognise(ReadOnlySpan<byte> vid)
    {
        if (vid.SequenceEqual(VidRfc3947))
            return NatTVariant.Rfc3947;
        if (vid.SequenceEqual(VidDraft03))
            return NatTVariant.Draft03;
        if (vid.SequenceEqual(VidDraft02n) || vid.SequenceEqual(VidDraft02))
            return NatTVariant.Draft02;
        return NatTVariant.None;
    }

    /// <summary>RFC 3947 §3.2: HASH = hash(CKY-I | CKY-R | IP | Port), with the negotiated phase 1 hash.</summary>
    public static byte[] NatDHash(V1Hash hash, byte[] ckyI, byte[] ckyR, IPEndPoint endpoint)
    {
        byte[] address = endpoint.Address.GetAddressBytes();
        var port = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(port, (ushort)endpoint.Port);
        return hash.Hash(V1Hash.Concat(ckyI, ckyR, address, port));
    }
}
