namespace Appliance.Ike.Messages;

/// <summary>The fixed IKE header (RFC 7296 §3.1).</summary>
public readonly record struct IkeHeader(ulong InitiatorSpi, ulong ResponderSpi, PayloadType NextPayload, byte Version,
    ExchangeType Exchange, IkeFlags Flags, uint MessageId, uint Length)
{
    public const int Size = 28;
    /// <summary>Major version 2, minor 0.</summary>
    public const byte Ikev2 = 0x20;

    public bool IsResponse => (Flags & IkeFlags.Response) != 0;
    public bool IsFromInitiator => (Flags & IkeFlags.Initiator) != 0;

    internal static IkeHeader Read(ref WireReader r) => new(
        r.ReadUInt64("IKE SA initiator's SPI"),
        r.ReadUInt64("IKE SA responder's SPI"),
        (PayloadType)r.ReadByte("next payload"),
        r.ReadByte("version"),
        (ExchangeType)r.ReadByte("exchange type"),
        (IkeFlags)r.ReadByte("flags"),
        r.ReadUInt32("message ID"),
        r.ReadUInt32("length"));

    internal void Write(WireWriter w)
    {
        w.WriteUInt64(InitiatorSpi);
        w.WriteUInt64(ResponderSpi);
        w.WriteByte((byte)NextPayload);
        w.WriteByte(Version);
        w.WriteByte((byte)Exchange);
        w.WriteByte((byte)Flags);
        w.WriteUInt32(MessageId);
        w.WriteUInt32(Length);
    }
}
