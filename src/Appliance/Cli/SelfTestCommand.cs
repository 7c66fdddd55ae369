namespace Appliance.Cli;

/// <summary>
/// `appliance selftest`: the crypto known-answer tests, run inside the shipped binary like a power-on
/// self-test, so a broken build or a missing native library on the board shows before traffic flows.
/// </summary>
public static class SelfTestCommand
{
    public static int Run(string[] args)
    {
        new Arguments(args).NoneRemaining();
        int failed = 0, passed = 0;
        foreach (var (name, ok) in Results())
        {
            Console.WriteLine($"{(ok ? "PASS" : "FAIL")} {name}");
            if (ok) passed++; else failed++;
        }
        Console.WriteLine($"selftest: {passed} passed, {failed} failed");
        return failed == 0 && passed > 0 ? 0 : 1;
    }

    public static IEnumerable<(string Name, bool Passed)> Results()
    {
        IReadOnlyList<(string, bool)> esp;
        try { esp = Ipsec.SelfTest.KnownAnswerTests.Run(); }
        catch (Exception e) { esp = [($"ESP known-answer tests threw {e.GetType().Name}: {e.Message}", false)]; }
        foreach (var r in esp) yield return r;
        IReadOnlyList<(string, bool)> ike;
        try { ike = Ike.Crypto.SelfTest.IkeKnownAnswerTests.Run(); }
        catch (Exception e) { ike = [($"IKE known-answer tests threw {e.GetType().Name}: {e.Message}", false)]; }
        foreach (var r in ike) yield return r;
    }
}
