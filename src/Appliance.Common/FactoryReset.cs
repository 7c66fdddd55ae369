namespace Appliance.Common;

/// <summary>
/// Factory reset of the state directory (see <see cref="StateLayout"/>): the operator's config.json and users.json are
/// removed and runtime/ is wiped; factory.json, identity/ and provisioning.lock are kept.
/// <para>
/// Crash safety: the reset first writes an intent marker atomically. Before the marker exists nothing
/// has been touched (the old configuration stands); once it exists the reset is decided, and every
/// later step is idempotent, so <see cref="CompleteInterrupted"/> — which the service must call at
/// start, before it reads any configuration — finishes a reset that a crash or power cut interrupted.
/// After a crash at any point the service therefore sees either the old or the factory state, never a mix.
/// </para>
/// </summary>
public static class FactoryReset
{
    /// <summary>The intent marker, in the state directory.</summary>
    public const string IntentFileName = "factory-reset.intent";

    private const string DetachedRuntimeName = "runtime.wipe";

    private const UnixFileMode RuntimeMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Test hook: called between the steps of a reset so a test can simulate a crash.</summary>
    public static Action<string>? CrashPoint { get; set; }

    public static string IntentPath(StateLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return Path.Combine(layout.Root, IntentFileName);
    }

    /// <summary>True when a reset was decided but has not finished (the marker exists).</summary>
    public static bool IsPending(StateLayout layout) => File.Exists(IntentPath(layout));

    /// <summary>Performs a factory reset. Returns once the reset is durable on disk.</summary>
    public static void Run(StateLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Directory.CreateDirectory(layout.Root);
        // The point of no return: from here on a restart completes the reset.
        AtomicFile.WriteAllText(IntentPath(layout), "factory reset in progress\n", AtomicFile.PublicMode);
        CrashPoint?.Invoke("intent-written");
        Finish(layout);
    }

    /// <summary>
    /// Call at start, before configuration is read: finishes a reset a crash interrupted and removes
    /// temporaries of crashed atomic writes. Returns true when it had a reset to finish.
    /// </summary>
    public static bool CompleteInterrupted(StateLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        AtomicFile.CleanupStaleTemporaries(layout.Root);
        if (!IsPending(layout)) return false;
        Finish(layout);
        return true;
    }

    private static void Finish(StateLayout layout)
    {
        AtomicFile.Delete(layout.UserConfig);
        // Remote-access accounts are the operator's too: staff of the box's former owner must not keep a way in.
        AtomicFile.Delete(layout.Users);
        CrashPoint?.Invoke("config-removed");

        // Detach runtime/ with one rename so a crash never leaves a half-emptied runtime/ in place.
        string detached = Path.Combine(layout.Root, DetachedRuntimeName);
        if (Directory.Exists(layout.RuntimeDirectory))
        {
            if (Directory.Exists(detached)) Directory.Delete(detached, recursive: true);
            Directory.Move(layout.RuntimeDirectory, detached);
            AtomicFile.FsyncDirectory(layout.Root);
        }
        CrashPoint?.Invoke("runtime-detached");

        if (Directory.Exists(detached)) Directory.Delete(detached, recursive: true);
        CrashPoint?.Invoke("runtime-deleted");

        Directory.CreateDirectory(layout.RuntimeDirectory, RuntimeMode);
        AtomicFile.FsyncDirectory(layout.Root);
        CrashPoint?.Invoke("runtime-recreated");

        AtomicFile.Delete(IntentPath(layout));
        CrashPoint?.Invoke("intent-removed");

        AtomicFile.CleanupStaleTemporaries(layout.Root);
    }
}
