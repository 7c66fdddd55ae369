namespace Appliance.Fuzz;

/// <summary>
/// SharpFuzz rewrites IL in place so every branch of the product updates AFL's edge map. Only our own assemblies are
/// instrumented: the framework's are mixed-mode, and the harness itself is not what is under test.
/// </summary>
internal static class Instrumentation
{
    public static int InstrumentFolder(string folder)
    {
        string[] targets = Directory.GetFiles(folder, "*.dll")
            .Where(f => Path.GetFileName(f) is var name
                        && (name.StartsWith("Appliance.", StringComparison.Ordinal) || name == "appliance.dll")
                        && name != "Appliance.Fuzz.dll")
            .Order(StringComparer.Ordinal).ToArray();
        if (targets.Length == 0)
        {
            Console.Error.WriteLine($"no Appliance assemblies in {folder}");
            return 1;
        }
        foreach (string dll in targets)
        {
            try
            {
                int types = SharpFuzz.Fuzzer.Instrument(dll, _ => true, SharpFuzz.Options.Value).Count();
                Console.WriteLine($"instrumented {Path.GetFileName(dll)}: {types} types");
            }
            catch (SharpFuzz.InstrumentationException e) when (e.Message.Contains("already instrumented", StringComparison.Ordinal))
            {
                Console.WriteLine($"{Path.GetFileName(dll)}: already instrumented");
            }
        }
        return 0;
    }
}
