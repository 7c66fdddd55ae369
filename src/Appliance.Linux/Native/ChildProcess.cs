using System.Collections;
using System.Runtime.InteropServices;

namespace Appliance.Linux.Native;

/// <summary>
/// Runs a program and waits for it, through posix_spawnp(3) and waitpid(2). The service starts one child in its
/// life (console-select's `systemctl start`); System.Diagnostics.Process with its stream plumbing and signal
/// handling was ~40 KB of the binary for that (issue 19). The child inherits standard input, output and error.
/// </summary>
public static unsafe partial class ChildProcess
{
    /// <summary>The child's exit status (0-255), 128 + signal if a signal ended it.</summary>
    /// <exception cref="IOException">The program could not be started (not found, not executable).</exception>
    public static int Run(string file, IReadOnlyList<string> arguments)
    {
        var argv = new List<string>(arguments.Count + 1) { file };
        argv.AddRange(arguments);
        var envp = new List<string>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            envp.Add($"{entry.Key}={entry.Value}");

        nint[] argvNative = ToNative(argv), envpNative = ToNative(envp);
        nint fileNative = Marshal.StringToCoTaskMemUTF8(file);
        try
        {
            int pid;
            int error;
            fixed (nint* a = argvNative, e = envpNative)
                error = posix_spawnp(&pid, (byte*)fileNative, 0, 0, (byte**)a, (byte**)e);
            if (error != 0)
                throw new IOException($"cannot start {file}: {Marshal.GetPInvokeErrorMessage(error)}");
            int status;
            while (waitpid(pid, &status, 0) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Libc.EINTR)
                    throw new IOException($"waiting for {file} (pid {pid}): {Marshal.GetPInvokeErrorMessage(errno)}");
            }
            // WIFEXITED / WEXITSTATUS / WTERMSIG as glibc defines them.
            return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
        }
        finally
        {
            Free(argvNative);
            Free(envpNative);
            Marshal.FreeCoTaskMem(fileNative);
        }
    }

    private static nint[] ToNative(List<string> strings)
    {
        var native = new nint[strings.Count + 1]; // NULL-terminated
        for (int i = 0; i < strings.Count; i++)
            native[i] = Marshal.StringToCoTaskMemUTF8(strings[i]);
        return native;
    }

    private static void Free(nint[] native)
    {
        foreach (nint p in native)
            if (p != 0) Marshal.FreeCoTaskMem(p);
    }

    [LibraryImport("libc")]
    private static partial int posix_spawnp(int* pid, byte* file, nint fileActions, nint attributes, byte** argv, byte** envp);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitpid(int pid, int* status, int options);
}
