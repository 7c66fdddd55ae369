using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Appliance.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        // `-- backends`: the interleaved min-of-batches comparison that picks the AEAD library per suite.
        if (args is ["backends"])
        {
            BackendComparison.Run();
            return;
        }
        // In-process: the benchmark runs inside this already-built, lock-file-restored project instead of
        // a generated one. A short job because the build machine has 2 cores shared with other work;
        // pass --job default (BenchmarkDotNet's own switch) for a full run.
        IConfig config = DefaultConfig.Instance
            .AddJob(Job.ShortRun
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithWarmupCount(3)
                .WithIterationCount(7)
                .WithIterationTime(TimeInterval.FromMilliseconds(250)))
            .AddDiagnoser(MemoryDiagnoser.Default)
            // Min is the estimate least disturbed by the other processes sharing the two cores.
            .AddColumn(StatisticColumn.Min);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
