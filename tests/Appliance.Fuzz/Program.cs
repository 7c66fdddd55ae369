using Appliance.Fuzz;

// appliance-fuzz: the fuzz harnesses. `run NAME` is what afl-fuzz starts (SharpFuzz's fork server reads stdin);
// `replay` runs files through a harness without AFL; `seed` writes a harness's starting inputs; `instrument` adds
// SharpFuzz's edge coverage to the product assemblies of a publish folder (tools/fuzz.sh does it once per build).
return Cli.Run(args);

internal static class Cli
{
    public static unsafe int Run(string[] args)
    {
        if (args.Length == 0)
            return Usage();
        // Instrumented product code writes every branch into AFL's edge map. Outside `run` (seed, replay, list in a
        // fuzz build) there is no AFL map: give it a scratch one, as SharpFuzz does when no afl-fuzz is attached.
        if (args[0] != "run")
            SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
        switch (args[0])
        {
            case "list":
                foreach (IHarness h in HarnessRegistry.All)
                    Console.WriteLine($"{h.Name,-20} {h.Description}");
                return 0;
            case "run" when args.Length == 2 && HarnessRegistry.Find(args[1]) is { } harness:
                SharpFuzz.Fuzzer.Run(stream => harness.Run(ReadAll(stream)));
                return 0;
            case "replay" when args.Length >= 3 && HarnessRegistry.Find(args[1]) is { } harness:
                return Replay(harness, args[2..]);
            case "seed" when args.Length == 3 && HarnessRegistry.Find(args[1]) is { } harness:
                Directory.CreateDirectory(args[2]);
                int n = 0;
                foreach (byte[] seed in harness.Seeds())
                    File.WriteAllBytes(Path.Combine(args[2], $"seed-{n++:D3}"), seed);
                Console.WriteLine($"{harness.Name}: {n} seeds in {args[2]}");
                return 0;
            case "instrument" when args.Length == 2:
                return Instrumentation.InstrumentFolder(args[1]);
            default:
                return Usage();
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Appliance.Fuzz list | run NAME | replay NAME FILE|DIR... | seed NAME DIR | instrument PUBLISH_DIR");
        return 64;
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static int Replay(IHarness harness, string[] paths)
    {
        int failed = 0, count = 0;
        foreach (string file in paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p) : [p]).Order(StringComparer.Ordinal))
        {
            count++;
            try
            {
                harness.Run(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"{file}: {e}");
            }
        }
        Console.WriteLine($"{harness.Name}: {count} inputs, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
