namespace Appliance.Ike.Messages;

/// <summary>Exchange Type (RFC 7296 §3.1).</summary>
public enum ExchangeType : byte
{
    IkeSaInit = 34,
    IkeAuth = 35,
    CreateChildSa = 36,
    Informational = 37,
}

/// <summary>Next Payload values (RFC 7296 §3.2, RFC 7383 for SKF).</summary>
public enum PayloadType : byte
{
    None = 0,
    SecurityAssociation = 33,
    KeyExchange = 34,
    IdentificationInitiator = 35,
    IdentificationResponder = 36,
    Certificate = 37,
    CertificateRequest = 38,
    Authentication = 39,
    Nonce = 40,
    Notify = 41,
    Delete = 42,
    VendorId = 43,
    TrafficSelectorInitiator = 44,
    TrafficSelectorResponder = 45,
    EncryptedAndAuthenticated = 46,
    Configuration = 47,
    ExtensibleAuthentication = 48,
    EncryptedFragment = 53,
}

/// <summary>Header flags (RFC 7296 §3.1).</summary>
[Flags]
public enum IkeFlags : byte
{
    None = 0,
    Initiator = 0x08,
    Version = 0x10,
    Response = 0x20,
}

/// <summary>Protocol ID in proposals, notifies and deletes (RFC 7296 §3.3.1).</summary>
public enum ProtocolId : byte
{
    None = 0,
    Ike = 1,
    Ah = 2,
    Esp = 3,
}

/// <summary>Transform Type (RFC 7296 §3.3.2).</summary>
public enum TransformType : byte
{
    Encryption = 1,
    PseudoRandomFunction = 2,
    Integrity = 3,
    DiffieHellmanGroup = 4,
    ExtendedSequenceNumbers = 5,
}

/// <summary>Auth Method (RFC 7296 §3.8).</summary>
public enum AuthMethod : byte
{
    RsaDigitalSignature = 1,
    SharedKeyMessageIntegrityCode = 2,
    DssDigitalSignature = 3,
    /// <summary>RFC 4754: ECDSA with SHA-256 on P-256.</summary>
    EcdsaSha256P256 = 9,
    /// <summary>RFC 4754: ECDSA with SHA-384 on P-384.</summary>
    EcdsaSha384P384 = 10,
    /// <summary>RFC 4754: ECDSA with SHA-512 on P-521.</summary>
    EcdsaSha512P521 = 11,
    /// <summary>RFC 7427: the signature algorithm is named by an ASN.1 AlgorithmIdentifier inside AUTH.</summary>
    DigitalSignature = 14,
}

/// <summary>Notify Message Types (RFC 7296 §3.10.1 and the IANA registry).</summary>
public enum NotifyType : ushort
{
    UnsupportedCriticalPayload = 1,
    InvalidIkeSpi = 4,
    InvalidMajorVersion = 5,
    InvalidSyntax = 7,
    InvalidMessageId = 9,
    InvalidSpi = 11,
    NoProposalChosen = 14,
    InvalidKePayload = 17,
    AuthenticationFailed = 24,
    SinglePairRequired = 34,
    NoAdditionalSas = 35,
    InternalAddressFailure = 36,
    FailedCpRequired = 37,
    TsUnacceptable = 38,
    InvalidSelectors = 39,
    TemporaryFailure = 43,
    ChildSaNotFound = 44,

    InitialContact = 16384,
    SetWindowSize = 16385,
    AdditionalTsPossible = 16386,
    IpcompSupported = 16387,
    NatDetectionSourceIp = 16388,
    NatDetectionDestinationIp = 16389,
    Cookie = 16390,
    UseTransportMode = 16391,
    HttpCertLookupSupported = 16392,
    RekeySa = 16393,
    EspTfcPaddingNotSupported = 16394,
    NonFirstFragmentsAlso = 16395,
    MobikeSupported = 16396,
    FragmentationSupported = 16430,
    SignatureHashAlgorithms = 16431,
}

internal static class NotifyTypeExtensions
{
    /// <summary>Types below 16384 are errors (RFC 7296 §3.10.1).</summary>
    public static bool IsError(this NotifyType type) => (ushort)type < 16384;
}
