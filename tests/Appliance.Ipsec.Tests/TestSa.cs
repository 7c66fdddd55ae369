using Appliance.Ipsec.Crypto;
using Appliance.Ipsec.Esp;

namespace Appliance.Ipsec.Tests;

/// <summary>Builds matching outbound/inbound SA pairs with deterministic keys for tests.</summary>
internal static class TestSa
{
    public static readonly EspSuite[] AllSuites = Enum.GetValues<EspSuite>();

    /// <summary>Every (suite, backend) combination this machine supports, Auto excluded.</summary>
    public static IEnumerable<(EspSuite Suite, CryptoBackend Backend)> SupportedCombinations()
    {
        foreach (EspSuite suite in AllSuites)
        {
            foreach (CryptoBackend backend in new[] { CryptoBackend.NSec, CryptoBackend.DotNet })
            {
                if (EspCipherFactory.IsSupported(suite, backend))
                    yield return (suite, backend);
            }
        }
    }

    public static (EspSa Out, EspSa In) Pair(EspSuite suite, CryptoBackend backend = CryptoBackend.Auto, IpsecMode mode = IpsecMode.Tunnel,
        bool esn = false, int window = 1024, ulong initialSequence = 0, int seed = 1, IpsecCounters? global = null, SaLifetime lifetime = default)
    {
        var rng = new Random(seed);
        byte[] enc = new byte[EspSuiteInfo.EncryptionKeyMaterialLength(suite)];
        byte[] integ = new byte[EspSuiteInfo.IntegrityKeyLength(suite)];
        rng.NextBytes(enc);
        rng.NextBytes(integ);
        var ivRng = new Random(seed + 1000);
        EspSa Make(SaDirection direction) => EspSa.Create(new EspSaParameters
        {
            Spi = 0x1000_0001,
            Direction = direction,
            Mode = mode,
            Suite = suite,
            EncryptionKey = enc,
            IntegrityKey = integ,
            ExtendedSequenceNumbers = esn,
            ReplayWindowSize = window,
            Backend = backend,
            InitialSequenceNumber = direction == SaDirection.Outbound ? initialSequence : 0,
            Random = b => ivRng.NextBytes(b),
            GlobalCounters = global,
            Lifetime = lifetime,
        });
        return (Make(SaDirection.Outbound), Make(SaDirection.Inbound));
    }
}
