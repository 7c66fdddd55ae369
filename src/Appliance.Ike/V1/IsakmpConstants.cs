namespace Appliance.Ike.V1;

/// <summary>Exchange types of the ISAKMP header (RFC 2408 §3.1, RFC 2409 §5 and §9).</summary>
internal static class ExchangeType
{
    public const byte IdentityProtection = 2; // Main Mode
    public const byte Aggressive = 4;
    public const byte Informational = 5;
    public const byte QuickMode = 32;
}

/// <summary>Next Payload values (RFC 2408 §3.1; NAT-D/NAT-OA RFC 3947 §3.2/§5.2 and their draft numbers 130/131).</summary>
internal static class PayloadType
{
    public const byte None = 0;
    public const byte Sa = 1;
    public const byte Proposal = 2;
    public const byte Transform = 3;
    public const byte KeyExchange = 4;
    public const byte Id = 5;
    public const byte Certificate = 6;
    public const byte CertificateRequest = 7;
    public const byte Hash = 8;
    public const byte Signature = 9;
    public const byte Nonce = 10;
    public const byte Notification = 11;
    public const byte Delete = 12;
    public const byte VendorId = 13;
    public const byte NatD = 20;
    public const byte NatOa = 21;
    public const byte NatDDraft = 130;
    public const byte NatOaDraft = 131;

    /// <summary>Types this responder can walk over; others below 128 are refused (RFC 2408 §5.1 INVALID-PAYLOAD-TYPE).</summary>
    public static bool IsKnown(byte type) => type is >= Sa and <= VendorId or NatD or NatOa or NatDDraft or NatOaDraft;
}

/// <summary>ISAKMP header flags (RFC 2408 §3.1).</summary>
internal static class IsakmpFlags
{
    public const byte Encryption = 0x01;
    public const byte Commit = 0x02;
    public const byte AuthenticationOnly = 0x04;
}

/// <summary>Notify Message Types (RFC 2408 §3.14.1, RFC 2407 §4.6.3, RFC 3706 §5).</summary>
internal static class NotifyType
{
    public const ushort InvalidPayloadType = 1;
    public const ushort InvalidExchangeType = 7;
    public const ushort InvalidMessageId = 9;
    public const ushort InvalidSpi = 11;
    public const ushort NoProposalChosen = 14;
    public const ushort PayloadMalformed = 16;
    public const ushort InvalidIdInformation = 18;
    public const ushort InvalidHashInformation = 23;
    public const ushort AuthenticationFailed = 24;
    public const ushort ResponderLifetime = 24576;
    public const ushort ReplayStatus = 24577;
    public const ushort InitialContact = 24578;
    public const ushort RUThere = 36136;
    public const ushort RUThereAck = 36137;
}

/// <summary>Protocol-ID values (RFC 2407 §4.4.1).</summary>
internal static class V1Protocol
{
    public const byte Isakmp = 1;
    public const byte Ah = 2;
    public const byte Esp = 3;
}

/// <summary>Phase 1 attribute classes and values (RFC 2409 Appendix A).</summary>
internal static class P1Attr
{
    public const ushort EncryptionAlgorithm = 1;
    public const ushort HashAlgorithm = 2;
    public const ushort AuthenticationMethod = 3;
    public const ushort GroupDescription = 4;
    public const ushort GroupType = 5;
    public const ushort LifeType = 11;
    public const ushort LifeDuration = 12;
    public const ushort KeyLength = 14;

    public const ushort Enc3DesCbc = 5;
    public const ushort EncAesCbc = 7;
    public const ushort HashSha1 = 2;
    public const ushort HashSha256 = 4;
    public const ushort HashSha384 = 5;
    public const ushort AuthPreSharedKey = 1;
    public const ushort LifeSeconds = 1;
    public const ushort LifeKilobytes = 2;
    public const byte KeyIke = 1; // transform ID KEY_IKE (RFC 2407 §4.4.2)
}

/// <summary>IPsec DOI SA attributes (RFC 2407 §4.5, RFC 3947 §5.1, RFC 4868 for SHA-2).</summary>
internal static class P2Attr
{
    public const ushort LifeType = 1;
    public const ushort LifeDuration = 2;
    public const ushort GroupDescription = 3;
    public const ushort EncapsulationMode = 4;
    public const ushort AuthenticationAlgorithm = 5;
    public const ushort KeyLength = 6;

    public const ushort ModeTunnel = 1;
    public const ushort ModeTransport = 2;
    public const ushort ModeUdpTunnel = 3;           // RFC 3947 §5.1
    public const ushort ModeUdpTransport = 4;        // RFC 3947 §5.1
    public const ushort ModeUdpTunnelDraft = 61443;  // draft-ietf-ipsec-nat-t-ike-00..03
    public const ushort ModeUdpTransportDraft = 61444;

    public const ushort AuthHmacSha1 = 2;
    public const ushort AuthHmacSha256 = 5;

    public const byte EspAesCbc = 12; // ESP transform ID ESP_AES (RFC 3602 §5)
}

/// <summary>IPsec DOI identification types (RFC 2407 §4.6.2.1).</summary>
internal static class V1IdType
{
    public const byte Ipv4Addr = 1;
    public const byte Fqdn = 2;
    public const byte UserFqdn = 3;
    public const byte Ipv4AddrSubnet = 4;
}
