using Appliance.Common;

namespace Appliance.Board.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CrashHookCollection
{
    // AtomicFile.CrashPoint and FactoryReset.CrashPoint are process-wide: tests that set them run alone.
    public const string Name = "static crash hooks";
}

/// <summary>
/// Factory reset is atomic: a crash at any step leaves, once the next start has run
/// <see cref="FactoryReset.CompleteInterrupted"/>, exactly the old state or exactly the factory state.
/// </summary>
[Collection(CrashHookCollection.Name)]
public class FactoryResetTests
{
    private sealed class SimulatedCrash(string point) : Exception($"simulated crash at {point}");

    // Every step boundary of a reset: AtomicFile's steps while writing the intent marker, then ours.
    public static TheoryData<string, string, bool> CrashPoints => new()
    {
        { "atomic", "written", false },
        { "atomic", "synced", false },
        { "atomic", "renamed", true },
        { "reset", "intent-written", true },
        { "reset", "config-removed", true },
        { "reset", "runtime-detached", true },
        { "reset", "runtime-deleted", true },
        { "reset", "runtime-recreated", true },
        { "reset", "intent-removed", true },
    };

    [Fact]
    public void Reset_removes_user_config_and_runtime_and_keeps_factory_identity_and_lock()
    {
        using var state = new StateDirectory();
        FactoryReset.Run(state.Layout);

        Assert.Equal(StateDirectory.Factory(), state.Snapshot());
        Assert.False(FactoryReset.IsPending(state.Layout));
        Assert.Equal(AtomicFile.SecretMode, File.GetUnixFileMode(state.Layout.DeviceKey));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                     File.GetUnixFileMode(state.Layout.RuntimeDirectory));
    }

    [Fact]
    public void Reset_of_an_already_clean_directory_is_harmless()
    {
        using var state = new StateDirectory();
        FactoryReset.Run(state.Layout);
        FactoryReset.Run(state.Layout);
        Assert.Equal(StateDirectory.Factory(), state.Snapshot());
        Assert.False(FactoryReset.CompleteInterrupted(state.Layout));
    }

    [Theory]
    [MemberData(nameof(CrashPoints))]
    public void A_crash_at_any_step_leaves_the_old_or_the_factory_state(string hook, string point, bool decided)
    {
        using var state = new StateDirectory();
        try
        {
            SetHook(hook, point);
            Assert.Throws<SimulatedCrash>(() => FactoryReset.Run(state.Layout));
        }
        finally
        {
            ClearHooks();
        }

        // The next start.
        bool completed = FactoryReset.CompleteInterrupted(state.Layout);

        Assert.Equal(decided ? StateDirectory.Factory() : StateDirectory.Old(), state.Snapshot());
        // Past the marker's rename the reset was decided and had to be finished (unless it already was).
        Assert.Equal(decided && point != "intent-removed", completed);
    }

    // Recovery writes nothing with AtomicFile, so only the reset's own steps can interrupt it.
    public static TheoryData<string> RecoveryCrashPoints =>
        new("config-removed", "runtime-detached", "runtime-deleted", "runtime-recreated", "intent-removed");

    [Theory]
    [MemberData(nameof(RecoveryCrashPoints))]
    public void A_crash_while_completing_an_interrupted_reset_is_completed_on_the_start_after(string point)
    {
        using var state = new StateDirectory();
        try
        {
            FactoryReset.CrashPoint = p => { if (p == "config-removed") throw new SimulatedCrash(p); };
            Assert.Throws<SimulatedCrash>(() => FactoryReset.Run(state.Layout));
            // The first restart crashes too, at the step under test.
            SetHook("reset", point);
            Assert.Throws<SimulatedCrash>(() => FactoryReset.CompleteInterrupted(state.Layout));
        }
        finally
        {
            ClearHooks();
        }

        FactoryReset.CompleteInterrupted(state.Layout);

        Assert.Equal(StateDirectory.Factory(), state.Snapshot());
        Assert.False(FactoryReset.IsPending(state.Layout));
    }

    [Fact]
    public void A_crashed_marker_write_leaves_no_temporary_behind()
    {
        using var state = new StateDirectory();
        File.WriteAllText(Path.Combine(state.Layout.Root, ".config.json.4242.tmp"), "half a config");

        FactoryReset.CompleteInterrupted(state.Layout);

        Assert.Equal(StateDirectory.Old(), state.Snapshot());
    }

    private static void SetHook(string hook, string point)
    {
        if (hook == "atomic")
            AtomicFile.CrashPoint = p => { if (p == point) throw new SimulatedCrash(p); };
        else
            FactoryReset.CrashPoint = p => { if (p == point) throw new SimulatedCrash(p); };
    }

    private static void ClearHooks()
    {
        AtomicFile.CrashPoint = null;
        FactoryReset.CrashPoint = null;
    }
}
