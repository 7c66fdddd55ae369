using System.Runtime.InteropServices;

namespace Appliance.Provisioning;

/// <summary>
/// Ed25519 (RFC 8032) from the system's OpenSSL 3 libcrypto, which .NET itself already loads on Linux.
/// .NET has no Ed25519 API and NSec is not referenced here; seven LibraryImports are smaller and more
/// trustworthy than curve arithmetic written for one CSR. Keys stay as 32-byte seeds in our memory.
/// </summary>
internal static partial class Ed25519OpenSsl
{
    public const int SeedLength = 32;
    public const int PublicKeyLength = 32;
    public const int SignatureLength = 64;

    private const string LibCrypto = "libcrypto.so.3";
    private const int EVP_PKEY_ED25519 = 1087; // NID_ED25519

    private static readonly Lazy<bool> Supported = new(Probe);

    /// <summary>False when libcrypto 3 is missing or lacks Ed25519: KEYGEN ed25519 then answers 501.</summary>
    public static bool IsSupported => Supported.Value;

    public static byte[] PublicKeyFromSeed(ReadOnlySpan<byte> seed)
    {
        IntPtr key = NewKey(seed);
        try
        {
            byte[] publicKey = new byte[PublicKeyLength];
            nuint length = PublicKeyLength;
            if (EVP_PKEY_get_raw_public_key(key, publicKey, ref length) != 1 || length != PublicKeyLength)
                throw new System.Security.Cryptography.CryptographicException("Ed25519 public key export failed");
            return publicKey;
        }
        finally { EVP_PKEY_free(key); }
    }

    /// <summary>PureEd25519 signature over <paramref name="message"/> (RFC 8032 §5.1.6).</summary>
    public static byte[] Sign(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> message)
    {
        IntPtr key = NewKey(seed);
        IntPtr context = EVP_MD_CTX_new();
        try
        {
            if (context == IntPtr.Zero || EVP_DigestSignInit(context, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, key) != 1)
                throw new System.Security.Cryptography.CryptographicException("Ed25519 sign init failed");
            byte[] signature = new byte[SignatureLength];
            nuint length = SignatureLength;
            if (EVP_DigestSign(context, signature, ref length, message, (nuint)message.Length) != 1 || length != SignatureLength)
                throw new System.Security.Cryptography.CryptographicException("Ed25519 sign failed");
            return signature;
        }
        finally
        {
            if (context != IntPtr.Zero) EVP_MD_CTX_free(context);
            EVP_PKEY_free(key);
        }
    }

    private static IntPtr NewKey(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedLength) throw new ArgumentException("an Ed25519 seed is 32 bytes", nameof(seed));
        IntPtr key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, IntPtr.Zero, seed, (nuint)seed.Length);
        return key != IntPtr.Zero ? key : throw new System.Security.Cryptography.CryptographicException("Ed25519 key import failed");
    }

    private static bool Probe()
    {
        try
        {
            Span<byte> seed = stackalloc byte[SeedLength];
            seed.Fill(1);
            return Sign(seed, "probe"u8).Length == SignatureLength;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    [LibraryImport(LibCrypto)]
    private static partial IntPtr EVP_PKEY_new_raw_private_key(int type, IntPtr engine, ReadOnlySpan<byte> key, nuint keyLength);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_PKEY_get_raw_public_key(IntPtr key, Span<byte> publicKey, ref nuint length);

    [LibraryImport(LibCrypto)]
    private static partial void EVP_PKEY_free(IntPtr key);

    [LibraryImport(LibCrypto)]
    private static partial IntPtr EVP_MD_CTX_new();

    [LibraryImport(LibCrypto)]
    private static partial void EVP_MD_CTX_free(IntPtr context);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_DigestSignInit(IntPtr context, IntPtr keyContext, IntPtr digest, IntPtr engine, IntPtr key);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_DigestSign(IntPtr context, Span<byte> signature, ref nuint signatureLength, ReadOnlySpan<byte> message, nuint messageLength);
}
