using Appliance.Ipsec;
using Appliance.Ipsec.Crypto;

namespace Appliance.Linux.Sa;

/// <summary>IANA IKEv2 transform ids (as IKE negotiated them) to the packet core's suites, and its drop reasons to ours.</summary>
internal static class SuiteMap
{
    public static EspSuite Esp(int encryptionId, int keyBits, int integrityId) =>
        TryEsp(encryptionId, keyBits, integrityId)
        ?? throw new NotSupportedException($"ESP suite encr {encryptionId}/{keyBits} integ {integrityId} is not supported");

    public static IntegrityAlgorithm Ah(int integrityId) =>
        TryAh(integrityId) ?? throw new NotSupportedException($"AH integrity transform {integrityId} is not supported");

    public static EspSuite? TryEsp(int encryptionId, int keyBits, int integrityId) => (encryptionId, keyBits, integrityId) switch
    {
        (20, 128, 0) => EspSuite.AesGcm128,
        (20, 256, 0) => EspSuite.AesGcm256,
        (28, 256 or 0, 0) => EspSuite.ChaCha20Poly1305,
        (12, 128, 12) => EspSuite.AesCbc128HmacSha256,
        (12, 256, 12) => EspSuite.AesCbc256HmacSha256,
        (12, 128, 13) => EspSuite.AesCbc128HmacSha384,
        (12, 256, 13) => EspSuite.AesCbc256HmacSha384,
        (12, 128, 14) => EspSuite.AesCbc128HmacSha512,
        (12, 256, 14) => EspSuite.AesCbc256HmacSha512,
        // AUTH_HMAC_SHA1_96: IKE negotiates it only in the weak Windows profile; AH is never offered with it.
        (12, 128, 2) => EspSuite.AesCbc128HmacSha1,
        (12, 256, 2) => EspSuite.AesCbc256HmacSha1,
        _ => null,
    };

    public static IntegrityAlgorithm? TryAh(int integrityId) => integrityId switch
    {
        12 => IntegrityAlgorithm.HmacSha256_128,
        13 => IntegrityAlgorithm.HmacSha384_192,
        14 => IntegrityAlgorithm.HmacSha512_256,
        _ => null,
    };

    public static DataPlaneDropReason Drop(DropReason reason) => reason switch
    {
        DropReason.None => DataPlaneDropReason.None,
        DropReason.UnknownSpi or DropReason.SpiMismatch => DataPlaneDropReason.UnknownSpi,
        DropReason.Truncated => DataPlaneDropReason.Truncated,
        DropReason.AuthenticationFailed => DataPlaneDropReason.AuthenticationFailed,
        DropReason.Replay => DataPlaneDropReason.Replay,
        DropReason.TooOld => DataPlaneDropReason.TooOld,
        DropReason.BadPadding => DataPlaneDropReason.BadPadding,
        DropReason.BadNextHeader => DataPlaneDropReason.BadNextHeader,
        DropReason.DummyPacket => DataPlaneDropReason.DummyPacket,
        DropReason.SequenceNumberExhausted => DataPlaneDropReason.SequenceNumberExhausted,
        DropReason.LifetimeExpired => DataPlaneDropReason.LifetimeExpired,
        DropReason.NoBufferSpace => DataPlaneDropReason.NoBufferSpace,
        _ => DataPlaneDropReason.Malformed,
    };
}
