using System.Buffers.Binary;

namespace Appliance.Ike.Eap;

/// <summary>EAP codes (RFC 3748 §4).</summary>
internal enum EapCode : byte { Request = 1, Response = 2, Success = 3, Failure = 4 }

/// <summary>EAP method types used here (RFC 3748 §5; 26 = MS-CHAPv2, draft-kamath-pppext-eap-mschapv2).</summary>
internal enum EapType : byte { None = 0, Identity = 1, Nak = 3, MsChapV2 = 26 }

/// <summary>
/// One EAP packet (RFC 3748 §4): Code, Identifier, Length, and for requests and responses Type and Type-Data.
/// <see cref="TryParse"/> checks the length field against the bytes before anything else reads them.
/// </summary>
internal sealed record EapPacket(EapCode Code, byte Identifier, EapType Type, byte[] TypeData)
{
    public static bool TryParse(ReadOnlySpan<byte> data, out EapPacket? packet)
    {
        packet = null;
        if (data.Length < 4 || BinaryPrimitives.ReadUInt16BigEndian(data[2..]) != data.Length)
            return false;
        var code = (EapCode)data[0];
        switch (code)
        {
            case EapCode.Success or EapCode.Failure when data.Length == 4:
                packet = new EapPacket(code, data[1], EapType.None, []);
                return true;
            case EapCode.Request or EapCode.Response when data.Length >= 5:
                packet = new EapPacket(code, data[1], (EapType)data[4], data[5..].ToArray());
                return true;
            default:
                return false;
        }
    }

    public byte[] Encode()
    {
        bool hasType = Code is EapCode.Request or EapCode.Response;
        int length = 4 + (hasType ? 1 + TypeData.Length : 0);
        var b = new byte[length];
        b[0] = (byte)Code;
        b[1] = Identifier;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)length);
        if (hasType)
        {
            b[4] = (byte)Type;
            TypeData.CopyTo(b, 5);
        }
        return b;
    }
}

/// <summary>MS-CHAPv2 OpCodes inside EAP (draft-kamath-pppext-eap-mschapv2 §2; RFC 2759 §4).</summary>
internal enum MsChapV2OpCode : byte { Challenge = 1, Response = 2, Success = 3, Failure = 4 }

/// <summary>
/// The Type-Data of an EAP-MSCHAPv2 packet: OpCode, MS-CHAPv2-ID and MS-Length (the EAP length minus 5) followed by the
/// op's data; the Success and Failure responses are the OpCode alone.
/// </summary>
internal static class MsChapV2Packet
{
    public const int ResponseValueSize = 49;

    public static byte[] Build(MsChapV2OpCode op, byte msChapId, ReadOnlySpan<byte> data)
    {
        var b = new byte[4 + data.Length];
        b[0] = (byte)op;
        b[1] = msChapId;
        // MS-Length is the EAP Length minus 5: (5 + b.Length) - 5, i.e. from the OpCode to the end.
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)b.Length);
        data.CopyTo(b.AsSpan(4));
        return b;
    }

    /// <summary>Challenge (op 1): Value-Size 16, the challenge, the authenticator's name.</summary>
    public static byte[] Challenge(byte msChapId, ReadOnlySpan<byte> challenge, string name) =>
        Build(MsChapV2OpCode.Challenge, msChapId, [(byte)challenge.Length, .. challenge, .. System.Text.Encoding.UTF8.GetBytes(name)]);

    /// <summary>Response (op 2): Value-Size 49, Peer-Challenge, 8 reserved zeros, NT-Response, Flags 0, the peer's name.</summary>
    public static byte[] Response(byte msChapId, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> ntResponse, string name)
    {
        var value = new byte[1 + ResponseValueSize];
        value[0] = ResponseValueSize;
        peerChallenge.CopyTo(value.AsSpan(1));
        ntResponse.CopyTo(value.AsSpan(25));
        return Build(MsChapV2OpCode.Response, msChapId, [.. value, .. System.Text.Encoding.UTF8.GetBytes(name)]);
    }

    /// <summary>Parses the OpCode, MS-CHAPv2-ID and the op's data, checking MS-Length; null when malformed.</summary>
    public static (MsChapV2OpCode Op, byte Id, byte[] Data)? Parse(byte[] typeData)
    {
        if (typeData.Length == 1 && (MsChapV2OpCode)typeData[0] is MsChapV2OpCode.Success or MsChapV2OpCode.Failure)
            return ((MsChapV2OpCode)typeData[0], 0, []);
        if (typeData.Length < 4 || BinaryPrimitives.ReadUInt16BigEndian(typeData.AsSpan(2)) != typeData.Length)
            return null;
        return ((MsChapV2OpCode)typeData[0], typeData[1], typeData[4..]);
    }
}
