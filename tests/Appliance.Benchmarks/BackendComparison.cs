using System.Diagnostics;
using Appliance.Ipsec;
using Appliance.Ipsec.Crypto;

namespace Appliance.Benchmarks;

/// <summary>
/// `-- backends`: seal+open per packet for each backend, interleaved in many 1 ms batches, reporting
/// the fastest batch. On a shared machine the minimum is the estimate least disturbed by other
/// processes, and interleaving gives both backends the same conditions. Decides
/// <see cref="EspCipherFactory.Preferred"/>.
/// </summary>
internal static class BackendComparison
{
    public static void Run()
    {
        Console.WriteLine($"{"suite",-18} {"backend",-7} {"size",5} {"seal+open min ns",17} {"raw enc+dec min ns",19} {"ratio",6}");
        foreach (EspSuite suite in new[] { EspSuite.AesGcm256, EspSuite.ChaCha20Poly1305, EspSuite.AesGcm128, EspSuite.AesCbc128HmacSha256 })
        {
            foreach (int size in new[] { 64, 512, 1400 })
            {
                var cases = new List<(CryptoBackend Backend, Func<long> SealOpen, Func<long> Raw)>();
                foreach (CryptoBackend backend in new[] { CryptoBackend.NSec, CryptoBackend.DotNet })
                {
                    if (!EspCipherFactory.IsSupported(suite, backend) || (!EspSuiteInfo.IsAead(suite) && backend == CryptoBackend.NSec))
                        continue;
                    var bench = new EspBenchmarks { Case = $"{suite}/{backend}", Size = size };
                    bench.Setup();
                    cases.Add((backend, () => Batch(() => { bench.SealOpen(); }), () => Batch(() => { bench.RawEncryptDecrypt(); })));
                }
                var best = cases.Select(_ => (SealOpen: long.MaxValue, Raw: long.MaxValue)).ToArray();
                for (int round = 0; round < 300; round++)
                {
                    for (int i = 0; i < cases.Count; i++)
                        best[i] = (Math.Min(best[i].SealOpen, cases[i].SealOpen()), Math.Min(best[i].Raw, cases[i].Raw()));
                }
                for (int i = 0; i < cases.Count; i++)
                {
                    double sealOpen = best[i].SealOpen / (double)BatchSize, raw = best[i].Raw / (double)BatchSize;
                    Console.WriteLine($"{suite,-18} {cases[i].Backend,-7} {size,5} {sealOpen,17:F0} {raw,19:F0} {raw / sealOpen,6:P0}");
                }
            }
        }
    }

    private const int BatchSize = 200;

    private static long Batch(Action op)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < BatchSize; i++)
            op();
        return (long)Stopwatch.GetElapsedTime(start).TotalNanoseconds;
    }

}
