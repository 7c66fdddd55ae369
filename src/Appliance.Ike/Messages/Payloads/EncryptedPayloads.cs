namespace Appliance.Ike.Messages;

/// <summary>
/// Encrypted and Authenticated payload (RFC 7296 §3.14): IV, ciphertext and ICV, opaque to the codec.
/// <see cref="FirstInnerPayload"/> is the generic header's Next Payload, i.e. the type of the first inner payload.
/// </summary>
public sealed class EncryptedPayload(PayloadType firstInner, byte[] body) : IkePayload
{
    public PayloadType FirstInnerPayload { get; } = firstInner;
    public byte[] Body { get; } = body;
    public override PayloadType Type => PayloadType.EncryptedAndAuthenticated;
    internal override void WriteBody(WireWriter w) => w.WriteBytes(Body);
}

/// <summary>Encrypted Fragment payload (RFC 7383 §2.5): one piece of a fragmented message, protected on its own.</summary>
public sealed class EncryptedFragmentPayload(PayloadType firstInner, ushort number, ushort total, byte[] body) : IkePayload
{
    public PayloadType FirstInnerPayload { get; } = firstInner;
    public ushort FragmentNumber { get; } = number;
    public ushort TotalFragments { get; } = total;
    public byte[] Body { get; } = body;
    public override PayloadType Type => PayloadType.EncryptedFragment;

    internal static EncryptedFragmentPayload Read(PayloadType firstInner, ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        ushort number = r.ReadUInt16("fragment number");
        ushort total = r.ReadUInt16("total fragments");
        if (number == 0 || total == 0 || number > total)
            throw new MalformedMessageException($"fragment {number} of {total}");
        return new EncryptedFragmentPayload(firstInner, number, total, r.ReadRest().ToArray());
    }

    internal override void WriteBody(WireWriter w) { w.WriteUInt16(FragmentNumber); w.WriteUInt16(TotalFragments); w.WriteBytes(Body); }
}
