using System.Security.Cryptography;
using Appliance.Ipsec;
using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Esp;
using BenchmarkDotNet.Attributes;

namespace Appliance.Benchmarks;

/// <summary>
/// Per-packet ESP seal and seal+open next to the bare cipher call on the same buffers, so the ratio
/// shows what framing, padding, sequence numbers and the replay window cost on top of the AEAD.
/// </summary>
public class EspBenchmarks
{
    private const int Headroom = 64;

    private EspSa _outbound = null!;
    private EspSa _inbound = null!;
    private byte[] _buffer = null!;
    private RawCipher _raw = null!;

    [Params("AesGcm256/DotNet", "AesGcm256/NSec", "ChaCha20Poly1305/DotNet", "ChaCha20Poly1305/NSec", "AesGcm128/DotNet", "AesCbc128HmacSha256/DotNet")]
    public string Case { get; set; } = "";

    [Params(64, 512, 1400)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Case.Split('/');
        EspSuite suite = Enum.Parse<EspSuite>(parts[0]);
        CryptoBackend backend = Enum.Parse<CryptoBackend>(parts[1]);
        byte[] enc = new byte[EspSuiteInfo.EncryptionKeyMaterialLength(suite)];
        byte[] integ = new byte[EspSuiteInfo.IntegrityKeyLength(suite)];
        RandomNumberGenerator.Fill(enc);
        RandomNumberGenerator.Fill(integ);
        EspSa Make(SaDirection d) => EspSa.Create(new EspSaParameters
        {
            Spi = 0x1234, Direction = d, Mode = IpsecMode.Transport, Suite = suite, EncryptionKey = enc, IntegrityKey = integ,
            ExtendedSequenceNumbers = true, Backend = backend, GlobalCounters = new IpsecCounters(),
        });
        _outbound = Make(SaDirection.Outbound);
        _inbound = Make(SaDirection.Inbound);
        _buffer = new byte[Headroom + Size + 64];
        RandomNumberGenerator.Fill(_buffer);
        _raw = RawCipher.Create(suite, backend, enc, integ);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _outbound.Dispose();
        _inbound.Dispose();
        _raw.Dispose();
    }

    // The raw calls work in place on the same buffer as ESP: text = payload + 2-byte trailer, tag right after.
    [Benchmark(Description = "raw encrypt")]
    public void RawEncrypt() => _raw.Encrypt(_buffer.AsSpan(Headroom), Size + 2);

    [Benchmark(Description = "ESP seal")]
    public int Seal()
    {
        _outbound.Seal(_buffer, Headroom, Size, 17, out _, out int length);
        return length;
    }

    [Benchmark(Description = "raw encrypt+decrypt")]
    public bool RawEncryptDecrypt()
    {
        Span<byte> region = _buffer.AsSpan(Headroom);
        _raw.Encrypt(region, Size + 2);
        return _raw.Decrypt(region, Size + 2);
    }

    [Benchmark(Description = "ESP seal+open")]
    public DropReason SealOpen()
    {
        _outbound.Seal(_buffer, Headroom, Size, 17, out int offset, out int length);
        return _inbound.Open(_buffer.AsSpan(offset, length), out _);
    }
}

/// <summary>
/// The bare primitive with the same key, nonce/AAD sizes and text length (payload + 2-byte trailer)
/// as ESP, in place: <c>region</c> holds the text followed by room for the tag.
/// </summary>
internal abstract class RawCipher : IDisposable
{
    protected readonly byte[] Nonce = new byte[12];
    protected readonly byte[] Aad = new byte[8];

    public static RawCipher Create(EspSuite suite, CryptoBackend backend, byte[] enc, byte[] integ)
    {
        if (!EspSuiteInfo.IsAead(suite))
            return new RawCbcHmac(enc, integ);
        byte[] key = enc[..^4];
        if (backend == CryptoBackend.NSec)
            return new RawNSec(suite == EspSuite.ChaCha20Poly1305 ? NSec.Cryptography.AeadAlgorithm.ChaCha20Poly1305 : NSec.Cryptography.AeadAlgorithm.Aes256Gcm, key);
        return suite == EspSuite.ChaCha20Poly1305 ? new RawDotNetChaCha(key) : new RawDotNetGcm(key);
    }

    public abstract void Encrypt(Span<byte> region, int length);
    public abstract bool Decrypt(Span<byte> region, int length);
    public abstract void Dispose();

    private sealed class RawDotNetGcm(byte[] key) : RawCipher
    {
        private readonly AesGcm _gcm = new(key, 16);
        public override void Encrypt(Span<byte> region, int length) => _gcm.Encrypt(Nonce, region[..length], region[..length], region.Slice(length, 16), Aad);
        public override bool Decrypt(Span<byte> region, int length)
        {
            _gcm.Decrypt(Nonce, region[..length], region.Slice(length, 16), region[..length], Aad);
            return true;
        }
        public override void Dispose() => _gcm.Dispose();
    }

    private sealed class RawDotNetChaCha(byte[] key) : RawCipher
    {
        private readonly ChaCha20Poly1305 _chacha = new(key);
        public override void Encrypt(Span<byte> region, int length) => _chacha.Encrypt(Nonce, region[..length], region[..length], region.Slice(length, 16), Aad);
        public override bool Decrypt(Span<byte> region, int length)
        {
            _chacha.Decrypt(Nonce, region[..length], region.Slice(length, 16), region[..length], Aad);
            return true;
        }
        public override void Dispose() => _chacha.Dispose();
    }

    private sealed class RawNSec : RawCipher
    {
        private readonly NSec.Cryptography.AeadAlgorithm _algorithm;
        private readonly NSec.Cryptography.Key _key;

        public RawNSec(NSec.Cryptography.AeadAlgorithm algorithm, byte[] key)
        {
            _algorithm = algorithm;
            _key = NSec.Cryptography.Key.Import(algorithm, key, NSec.Cryptography.KeyBlobFormat.RawSymmetricKey);
        }

        public override void Encrypt(Span<byte> region, int length) =>
            _algorithm.Encrypt(_key, Nonce, Aad, region[..length], region[..(length + 16)]);

        public override bool Decrypt(Span<byte> region, int length) =>
            _algorithm.Decrypt(_key, Nonce, Aad, region[..(length + 16)], region[..length]);

        public override void Dispose() => _key.Dispose();
    }

    private sealed class RawCbcHmac(byte[] enc, byte[] integ) : RawCipher
    {
        private readonly Aes _aes = CreateAes(enc);
        private readonly byte[] _iv = new byte[16];
        private readonly byte[] _mac = new byte[32];

        private static Aes CreateAes(byte[] key)
        {
            Aes aes = Aes.Create();
            aes.Key = key;
            return aes;
        }

        private static int Padded(int length) => (length + 15) / 16 * 16;

        // Encrypt-then-MAC over header-sized prefix + ciphertext, as ESP does (24 = SPI, seq, IV).
        public override void Encrypt(Span<byte> region, int length)
        {
            Span<byte> block = region[..Padded(length)];
            _aes.EncryptCbc(block, _iv, block, PaddingMode.None);
            HMACSHA256.HashData(integ, region[..(block.Length + 24)], _mac);
        }

        public override bool Decrypt(Span<byte> region, int length)
        {
            Span<byte> block = region[..Padded(length)];
            HMACSHA256.HashData(integ, region[..(block.Length + 24)], _mac);
            _aes.DecryptCbc(block, _iv, block, PaddingMode.None);
            return _mac[0] == region[block.Length];
        }

        public override void Dispose() => _aes.Dispose();
    }
}
