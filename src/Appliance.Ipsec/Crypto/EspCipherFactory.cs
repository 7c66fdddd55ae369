namespace Appliance.Ipsec.Crypto;

/// <summary>
/// Picks the library for a suite once per SA. NSec (libsodium) offers AES-256-GCM only on x86-64
/// with AES-NI and never AES-128-GCM; .NET (OpenSSL) offers everything. Which is faster where both
/// work was measured with tests/Appliance.Benchmarks and is encoded in <see cref="Preferred"/>.
/// The CBC suites always use .NET (libsodium has no AES-CBC).
/// </summary>
public static class EspCipherFactory
{
    /// <summary>True when <paramref name="backend"/> can run <paramref name="suite"/> on this machine.</summary>
    public static bool IsSupported(EspSuite suite, CryptoBackend backend) => backend switch
    {
        CryptoBackend.NSec => suite switch
        {
            EspSuite.AesGcm256 => NSec.Cryptography.Aes256Gcm.IsSupported,
            EspSuite.ChaCha20Poly1305 => true,
            _ => false,
        },
        CryptoBackend.DotNet => suite switch
        {
            EspSuite.AesGcm128 or EspSuite.AesGcm256 => System.Security.Cryptography.AesGcm.IsSupported,
            EspSuite.ChaCha20Poly1305 => System.Security.Cryptography.ChaCha20Poly1305.IsSupported,
            _ => true,
        },
        _ => IsSupported(suite, CryptoBackend.NSec) || IsSupported(suite, CryptoBackend.DotNet),
    };

    /// <summary>The backend <see cref="CryptoBackend.Auto"/> resolves to for <paramref name="suite"/>.</summary>
    public static CryptoBackend Preferred(EspSuite suite)
    {
        // Measured on the x86-64 build machine (tests/Appliance.Benchmarks `-- backends`, fastest 200-packet
        // batch): seal+open of 1400 B took 0.8 us with NSec AES-256-GCM vs 2.1 us with .NET AesGcm (whose
        // per-call setup costs ~1.4 us), and 3.0 us for ChaCha20-Poly1305 on both (NSec faster below 1400 B).
        // So libsodium wins wherever it has the suite; .NET covers AES-128-GCM, AES-256-GCM without
        // AES-NI (e.g. Raspberry Pi) and the CBC suites.
        if (IsSupported(suite, CryptoBackend.NSec))
            return CryptoBackend.NSec;
        return CryptoBackend.DotNet;
    }

    internal static EspCipher Create(EspSuite suite, ReadOnlySpan<byte> encryptionKey, ReadOnlySpan<byte> integrityKey, CryptoBackend backend)
    {
        if (encryptionKey.Length != EspSuiteInfo.EncryptionKeyMaterialLength(suite))
            throw new ArgumentException($"{suite} needs {EspSuiteInfo.EncryptionKeyMaterialLength(suite)} bytes of encryption key material.");
        if (integrityKey.Length != EspSuiteInfo.IntegrityKeyLength(suite))
            throw new ArgumentException($"{suite} needs {EspSuiteInfo.IntegrityKeyLength(suite)} bytes of integrity key material.");

        if (backend == CryptoBackend.Auto)
            backend = Preferred(suite);
        if (!IsSupported(suite, backend))
            throw new PlatformNotSupportedException($"{suite} is not supported by the {backend} backend on this machine.");

        if (EspSuiteInfo.Integrity(suite) is { } integrity)
            return new AesCbcHmacCipher(encryptionKey, integrityKey, integrity);
        if (backend == CryptoBackend.NSec)
        {
            NSec.Cryptography.AeadAlgorithm algorithm = suite == EspSuite.ChaCha20Poly1305
                ? NSec.Cryptography.AeadAlgorithm.ChaCha20Poly1305
                : NSec.Cryptography.AeadAlgorithm.Aes256Gcm;
            return new NSecAeadCipher(algorithm, encryptionKey);
        }
        return new DotNetAeadCipher(suite, encryptionKey);
    }
}
