using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Appliance.Linux.Native;

/// <summary>The bpf(2) syscall, only as far as loading one tc classifier program (BPF_PROG_LOAD).</summary>
internal static unsafe partial class Bpf
{
    private const int BPF_PROG_LOAD = 5;
    private const uint BPF_PROG_TYPE_SCHED_CLS = 3;
    // union bpf_attr up to expected_attach_type: the kernel takes a prefix of its own struct.
    private const int ProgLoadAttrSize = 72;

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint syscall(nint number, nint cmd, void* attr, nint size);

    /// <summary>No libc wrapper for bpf(2); its number per architecture (x86_64 321, arm64 280).</summary>
    private static nint SyscallNumber => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 321,
        Architecture.Arm64 => 280,
        var other => throw new IOException($"bpf(2) syscall number unknown on {other}"),
    };

    /// <summary>Loads a BPF_PROG_TYPE_SCHED_CLS program and returns its fd; the verifier's log is in the exception.</summary>
    public static int LoadSchedCls(byte[] instructions, string name)
    {
        byte[] license = "GPL\0"u8.ToArray(); // no helpers are called; the string only gates GPL-only helpers
        byte[] log = new byte[16 * 1024];
        byte* attr = stackalloc byte[ProgLoadAttrSize];
        var a = new Span<byte>(attr, ProgLoadAttrSize);
        a.Clear();
        fixed (byte* insns = instructions, lic = license, logBuf = log)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(a, BPF_PROG_TYPE_SCHED_CLS);
            BinaryPrimitives.WriteUInt32LittleEndian(a[4..], (uint)(instructions.Length / 8));
            BinaryPrimitives.WriteUInt64LittleEndian(a[8..], (ulong)insns);
            BinaryPrimitives.WriteUInt64LittleEndian(a[16..], (ulong)lic);
            BinaryPrimitives.WriteUInt32LittleEndian(a[24..], 1); // log_level: the verifier says why it refuses
            BinaryPrimitives.WriteUInt32LittleEndian(a[28..], (uint)log.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(a[32..], (ulong)logBuf);
            Encoding.ASCII.GetBytes(name.AsSpan(0, Math.Min(name.Length, 15)), a.Slice(48, 15));
            int fd = (int)syscall(SyscallNumber, BPF_PROG_LOAD, attr, ProgLoadAttrSize);
            if (fd >= 0) return fd;
            int errno = Libc.Errno;
            string verifier = Encoding.ASCII.GetString(log, 0, Math.Max(0, Array.IndexOf(log, (byte)0))).Trim();
            throw new IOException($"bpf(BPF_PROG_LOAD) failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)}){(verifier.Length > 0 ? ": " + verifier : "")}");
        }
    }
}
