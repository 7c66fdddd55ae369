namespace Appliance.Ike.Messages;

/// <summary>A decoded payload; the generic payload header (RFC 7296 §3.2) is handled by <see cref="PayloadCodec"/>.</summary>
public abstract class IkePayload
{
    public abstract PayloadType Type { get; }
    internal abstract void WriteBody(WireWriter w);
}

/// <summary>A payload type this implementation does not know, kept so the caller can see it (never critical).</summary>
public sealed class UnknownPayload(byte rawType, byte[] body) : IkePayload
{
    public byte RawType { get; } = rawType;
    public byte[] Body { get; } = body;
    public override PayloadType Type => (PayloadType)RawType;
    internal override void WriteBody(WireWriter w) => w.WriteBytes(Body);
}
