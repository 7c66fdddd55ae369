using System.Buffers.Binary;

namespace Appliance.Ike.Messages;

/// <summary>Key Exchange payload (RFC 7296 §3.4).</summary>
public sealed class KePayload(ushort dhGroup, byte[] data) : IkePayload
{
    public ushort DhGroup { get; } = dhGroup;
    public byte[] Data { get; } = data;
    public override PayloadType Type => PayloadType.KeyExchange;

    internal static KePayload Read(ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        ushort group = r.ReadUInt16("DH group");
        r.Skip(2, "KE reserved");
        return new KePayload(group, r.ReadRest().ToArray());
    }

    internal override void WriteBody(WireWriter w) { w.WriteUInt16(DhGroup); w.WriteUInt16(0); w.WriteBytes(Data); }
}

/// <summary>IDi / IDr payload (RFC 7296 §3.5). <see cref="Body"/> is the payload body as signed in AUTH (§2.15).</summary>
public sealed class IdPayload : IkePayload
{
    public IdPayload(bool responder, IkeIdentity id)
    {
        IsResponder = responder;
        Identity = id;
        var body = new byte[4 + id.Data.Length];
        body[0] = (byte)id.Type;
        id.Data.CopyTo(body.AsSpan(4));
        Body = body;
    }

    private IdPayload(bool responder, IkeIdentity id, byte[] body) { IsResponder = responder; Identity = id; Body = body; }

    public bool IsResponder { get; }
    public IkeIdentity Identity { get; }
    /// <summary>ID Type, reserved and data exactly as on the wire: RestOfInitIDPayload / RestOfRespIDPayload.</summary>
    public byte[] Body { get; }
    public override PayloadType Type => IsResponder ? PayloadType.IdentificationResponder : PayloadType.IdentificationInitiator;

    internal static IdPayload Read(bool responder, ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        var type = (IkeIdType)r.ReadByte("ID type");
        r.Skip(3, "ID reserved");
        ReadOnlySpan<byte> data = r.ReadRest();
        if ((type == IkeIdType.Ipv4Addr && data.Length != 4) || (type == IkeIdType.Ipv6Addr && data.Length != 16))
            throw new MalformedMessageException($"{type} identity with {data.Length} data bytes");
        return new IdPayload(responder, new IkeIdentity(type, data), body.ToArray());
    }

    internal override void WriteBody(WireWriter w) => w.WriteBytes(Body);
}

/// <summary>CERT (§3.6) or CERTREQ (§3.7): encoding byte plus data; carried but not used for PSK.</summary>
public sealed class CertificatePayload(bool request, byte encoding, byte[] data) : IkePayload
{
    public bool IsRequest { get; } = request;
    public byte Encoding { get; } = encoding;
    public byte[] Data { get; } = data;
    public override PayloadType Type => IsRequest ? PayloadType.CertificateRequest : PayloadType.Certificate;

    internal static CertificatePayload Read(bool request, ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        byte enc = r.ReadByte("certificate encoding");
        return new CertificatePayload(request, enc, r.ReadRest().ToArray());
    }

    internal override void WriteBody(WireWriter w) { w.WriteByte(Encoding); w.WriteBytes(Data); }
}

/// <summary>Authentication payload (RFC 7296 §3.8).</summary>
public sealed class AuthPayload(AuthMethod method, byte[] data) : IkePayload
{
    public AuthMethod Method { get; } = method;
    public byte[] Data { get; } = data;
    public override PayloadType Type => PayloadType.Authentication;

    internal static AuthPayload Read(ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        var method = (AuthMethod)r.ReadByte("auth method");
        r.Skip(3, "AUTH reserved");
        return new AuthPayload(method, r.ReadRest().ToArray());
    }

    internal override void WriteBody(WireWriter w) { w.WriteByte((byte)Method); w.WriteZeros(3); w.WriteBytes(Data); }
}

/// <summary>Nonce payload (RFC 7296 §3.9): 16 to 256 octets.</summary>
public sealed class NoncePayload(byte[] data) : IkePayload
{
    public byte[] Data { get; } = data;
    public override PayloadType Type => PayloadType.Nonce;

    internal static NoncePayload Read(ReadOnlySpan<byte> body)
    {
        if (body.Length is < 16 or > 256)
            throw new MalformedMessageException($"nonce of {body.Length} bytes is outside 16..256");
        return new NoncePayload(body.ToArray());
    }

    internal override void WriteBody(WireWriter w) => w.WriteBytes(Data);
}

/// <summary>Notify payload (RFC 7296 §3.10).</summary>
public sealed class NotifyPayload(ProtocolId protocol, byte[] spi, NotifyType notifyType, byte[] data) : IkePayload
{
    public NotifyPayload(NotifyType notifyType, byte[]? data = null) : this(ProtocolId.None, [], notifyType, data ?? []) { }

    public ProtocolId Protocol { get; } = protocol;
    public byte[] Spi { get; } = spi;
    public NotifyType NotifyType { get; } = notifyType;
    public byte[] Data { get; } = data;
    public override PayloadType Type => PayloadType.Notify;

    internal static NotifyPayload Read(ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        var protocol = (ProtocolId)r.ReadByte("notify protocol ID");
        int spiSize = r.ReadByte("notify SPI size");
        var type = (NotifyType)r.ReadUInt16("notify message type");
        byte[] spi = r.ReadBytes(spiSize, "notify SPI").ToArray();
        return new NotifyPayload(protocol, spi, type, r.ReadRest().ToArray());
    }

    internal override void WriteBody(WireWriter w)
    {
        w.WriteByte((byte)Protocol);
        w.WriteByte((byte)Spi.Length);
        w.WriteUInt16((ushort)NotifyType);
        w.WriteBytes(Spi);
        w.WriteBytes(Data);
    }
}

/// <summary>Delete payload (RFC 7296 §3.11).</summary>
public sealed class DeletePayload(ProtocolId protocol, IReadOnlyList<uint> spis) : IkePayload
{
    public ProtocolId Protocol { get; } = protocol;
    /// <summary>Child SA SPIs (4 octets each); empty for the IKE SA.</summary>
    public IReadOnlyList<uint> Spis { get; } = spis;
    public override PayloadType Type => PayloadType.Delete;

    internal static DeletePayload Read(ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        var protocol = (ProtocolId)r.ReadByte("delete protocol ID");
        int spiSize = r.ReadByte("delete SPI size");
        int count = r.ReadUInt16("number of SPIs");
        int expectedSize = protocol == ProtocolId.Ike ? 0 : 4;
        if (spiSize != expectedSize || (protocol == ProtocolId.Ike && count != 0))
            throw new MalformedMessageException($"delete for {protocol} with SPI size {spiSize} and {count} SPIs");
        var spis = new List<uint>(Math.Min(count, r.Remaining / 4));
        for (int i = 0; i < count; i++)
            spis.Add(r.ReadUInt32("SPI"));
        if (r.Remaining != 0)
            throw new MalformedMessageException("delete payload longer than its SPIs");
        return new DeletePayload(protocol, spis);
    }

    internal override void WriteBody(WireWriter w)
    {
        w.WriteByte((byte)Protocol);
        w.WriteByte(Protocol == ProtocolId.Ike ? (byte)0 : (byte)4);
        w.WriteUInt16((ushort)Spis.Count);
        foreach (uint spi in Spis)
            w.WriteUInt32(spi);
    }
}

/// <summary>Vendor ID payload (RFC 7296 §3.12).</summary>
public sealed class VendorIdPayload(byte[] data) : IkePayload
{
    public byte[] Data { get; } = data;
    public override PayloadType Type => PayloadType.VendorId;
    internal override void WriteBody(WireWriter w) => w.WriteBytes(Data);
}

/// <summary>EAP payload (RFC 7296 §3.16): one EAP packet; remote access runs EAP-MSCHAPv2 in it (Eap/, IkeEngine.Eap.cs).</summary>
public sealed class EapPayload(byte[] data) : IkePayload
{
    public byte[] Data { get; } = data;
    public override PayloadType Type => PayloadType.ExtensibleAuthentication;

    internal static EapPayload Read(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4 || BinaryPrimitives.ReadUInt16BigEndian(body[2..]) != body.Length)
            throw new MalformedMessageException("EAP message length disagrees with the payload");
        return new EapPayload(body.ToArray());
    }

    internal override void WriteBody(WireWriter w) => w.WriteBytes(Data);
}

/// <summary>Configuration payload (RFC 7296 §3.15).</summary>
public sealed class ConfigurationPayload(byte cfgType, IReadOnlyList<(ushort Type, byte[] Value)> attributes) : IkePayload
{
    public byte CfgType { get; } = cfgType;
    public IReadOnlyList<(ushort Type, byte[] Value)> Attributes { get; } = attributes;
    public override PayloadType Type => PayloadType.Configuration;

    internal static ConfigurationPayload Read(ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        byte cfgType = r.ReadByte("CFG type");
        r.Skip(3, "CP reserved");
        var attrs = new List<(ushort, byte[])>();
        while (r.Remaining > 0)
        {
            ushort type = (ushort)(r.ReadUInt16("CP attribute type") & 0x7fff);
            int len = r.ReadUInt16("CP attribute length");
            attrs.Add((type, r.ReadBytes(len, "CP attribute value").ToArray()));
        }
        return new ConfigurationPayload(cfgType, attrs);
    }

    internal override void WriteBody(WireWriter w)
    {
        w.WriteByte(CfgType);
        w.WriteZeros(3);
        foreach ((ushort type, byte[] value) in Attributes)
        {
            w.WriteUInt16(type);
            w.WriteUInt16((ushort)value.Length);
            w.WriteBytes(value);
        }
    }
}
