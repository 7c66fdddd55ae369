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

    /// <param name="ownerOfDirectory">
    /// When root writes (an operator's CLI command), hand the file to the directory's owner: the service runs as its own
    /// user and must still read a 0600 file root wrote into its state directory.
    /// </param>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> contents, UnixFileMode mode = SecretMode, bool ownerOfDirectory = false)
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
                if (ownerOfDirectory) GiveToDirectoryOwner(stream.SafeFileHandle, dir);
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

    private static void GiveToDirectoryOwner(Microsoft.Win32.SafeHandles.SafeFileHandle file, string directory)
    {
        if (Native.geteuid() != 0) return; // only root can give files away; anyone else writes as the owner already
        // statx, not stat: its layout is the same on every architecture (struct stat differs between x86_64 and arm64).
        Span<byte> statx = stackalloc byte[256];
        if (Native.statx(Native.AT_FDCWD, directory, 0, Native.STATX_UID | Native.STATX_GID, ref statx[0]) != 0)
            throw new IOException($"cannot read the owner of {directory} (errno {Marshal.GetLastPInvokeError()})");
        uint uid = BitConverter.ToUInt32(statx[20..]), gid = BitConverter.ToUInt32(statx[24..]);
        if (uid == 0 && gid == 0) return;
        bool added = false;
        file.DangerousAddRef(ref added);
        try
        {
            if (Native.fchown((int)file.DangerousGetHandle(), uid, gid) != 0)
                throw new IOException($"cannot give a file in {directory} to its owner {uid} (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
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

        public const int AT_FDCWD = -100;
        public const uint STATX_UID = 0x8, STATX_GID = 0x10;

        [LibraryImport("libc", EntryPoint = "geteuid")]
        public static partial uint geteuid();

        [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        public static partial int statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

        [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
        public static partial int fchown(int fd, uint uid, uint gid);
    }
}
