using Appliance.Fuzz;

namespace Appliance.Fuzz.Tests;

/// <summary>
/// Every input the fuzzers kept (the minimised corpus) and every crash or hang they found, run through the same
/// harness in-process on the uninstrumented product. A harness lets only the parser's documented rejections through as
/// returns, so any exception (or a harness's own finding) fails the test and names the file. Hangs are caught by the
/// time bound: a corpus input that ran seconds under AFL would show here as a slow harness.
/// </summary>
public class CorpusReplayTests
{
    public static TheoryData<string> Harnesses() => new(HarnessRegistry.All.Select(h => h.Name));

    [Theory]
    [MemberData(nameof(Harnesses))]
    public void Every_corpus_and_crash_file_runs_clean(string name)
    {
        IHarness harness = HarnessRegistry.Find(name)!;
        string[] corpus = Files("corpus", name);
        string[] crashes = Files("crashes", name);
        Assert.True(corpus.Length >= 2, $"{name}: the corpus has {corpus.Length} inputs; run `make fuzz HARNESSES={name}` to grow it");
        var failures = new List<string>();
        var slow = new List<string>();
        foreach (string file in corpus.Concat(crashes))
        {
            long start = Environment.TickCount64;
            try
            {
                harness.Run(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failures.Add($"{Path.GetRelativePath(AppContext.BaseDirectory, file)}: {e.GetType().Name}: {e.Message}");
            }
            // AFL's timeout was 2 s per input at nice 19 with instrumentation; 20 s here is a hang, not load.
            if (Environment.TickCount64 - start > 20_000)
                slow.Add(Path.GetFileName(file));
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.True(slow.Count == 0, $"{name}: inputs that hang: {string.Join(", ", slow)}");
    }

    [Theory]
    [MemberData(nameof(Harnesses))]
    public void The_seeds_run_clean(string name)
    {
        IHarness harness = HarnessRegistry.Find(name)!;
        byte[][] seeds = harness.Seeds().ToArray();
        Assert.NotEmpty(seeds);
        foreach (byte[] seed in seeds)
            harness.Run(seed);
    }

    private static string[] Files(string kind, string name)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, kind, name);
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray() : [];
    }
}
