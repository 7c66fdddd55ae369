using System.Runtime.InteropServices;

namespace Appliance.Common;

/// <summary>
/// Crash-safe file replacement: readers see either the old content or the new one, never a mix,
/// because the new bytes are fully written and fsynced under a temporary name before rename(2)
/// swaps them in, and the directory is fsynced so the rename itself survives a power cut.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>Permissions for files holding secrets: owner read/write only.</summary>
    public const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Permissions for ordinary configuration files.</summary>
    public const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Test hook: called between the steps of a write so a test can simulate a crash.</summary>
    public static Action<string>? CrashPoint { get; set; }

    public static void WriteAllText(string path, string contents, UnixFileMode mode = SecretMode) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(contents), mode);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> contents, UnixFileMode mode = SecretMode)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? "/";
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Environment.ProcessId + ".tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = mode,
            };
            using (var stream = new FileStream(temp, options))
            {
                // UnixCreateMode is filtered by the umask and ignored for an existing file: set it explicitly.
                File.SetUnixFileMode(stream.SafeFileHandle, mode);
                stream.Write(contents);
                CrashPoint?.Invoke("written");
                stream.Flush(flushToDisk: true);
            }
            CrashPoint?.Invoke("synced");
            File.Move(temp, full, overwrite: true);
            CrashPoint?.Invoke("renamed");
            FsyncDirectory(dir);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Deletes a file and makes the deletion durable.</summary>
    public static void Delete(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) return;
        File.Delete(full);
        FsyncDirectory(Path.GetDirectoryName(full) ?? "/");
    }

    /// <summary>Removes temporary files left behind by a write that crashed before its rename.</summary>
    public static void CleanupStaleTemporaries(string directory)
    {
        if (!Directory.Exists(directory)) return;
        foreach (string file in Directory.EnumerateFiles(directory, ".*.tmp"))
            TryDelete(file);
    }

    public static void FsyncDirectory(string directory)
    {
        int fd = Native.open(directory, Native.O_RDONLY | Native.O_CLOEXEC);
        if (fd < 0) return; // Not fatal: the data itself is already durable.
        try { _ = Native.fsync(fd); }
        finally { _ = Native.close(fd); }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static partial class Native
    {
        public const int O_RDONLY = 0;
        // O_CLOEXEC is 0x80000 on both x86_64 and aarch64 (O_DIRECTORY is not, so it is not used).
        public const int O_CLOEXEC = 0x80000;

        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        public static partial int open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close")]
        public static partial int close(int fd);
    }
}
