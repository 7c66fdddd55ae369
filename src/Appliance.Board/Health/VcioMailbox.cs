using System.Runtime.InteropServices;

namespace Appliance.Board;

/// <summary>
/// Reads the firmware's throttled word through the Raspberry Pi firmware mailbox, /dev/vcio (the vcio
/// driver's IOCTL_MBOX_PROPERTY, the interface vcmailbox uses), with the property tag
/// RPI_FIRMWARE_GET_THROTTLED (0x00030046). This is the one kernel interface that gives all the
/// flags on current Raspberry Pi kernels (Pi 4, Pi 5, CM4): the raspberrypi-hwmon driver only exposes
/// under-voltage, and the old get_throttled sysfs attribute is gone. Needs root (or the video group).
/// </summary>
/// <remarks>
/// The request value is 0: the firmware clears the sticky bits named in the request, and we leave
/// clearing to whoever else asks (raspberrypi-hwmon clears them every 2 s). So the "occurred" bits
/// we read cover at least the time since the last such clear, and the service keeps its own record
/// of what occurred since it started.
/// </remarks>
public sealed unsafe partial class VcioMailbox(string devicePath) : IThrottleWordSource
{
    public const uint TagGetThrottled = 0x00030046;
    private const uint StatusRequest = 0, StatusSuccess = 0x80000000, ResponseBit = 0x80000000;
    private const int O_RDONLY = 0, O_CLOEXEC = 0x80000;

    // _IOWR(100, 0, char *): direction read|write (3) << 30, argument size << 16, magic 100 << 8, number 0.
    private static readonly nuint IoctlMboxProperty = (nuint)((3u << 30) | ((uint)sizeof(nint) << 16) | (100u << 8));

    public string Description => $"mailbox {devicePath}";

    public bool TryRead(out uint word, out string? error)
    {
        word = 0;
        // size, status, tag, value buffer size, request/response size, value, end tag.
        uint* buffer = stackalloc uint[7];
        buffer[0] = 7 * sizeof(uint);
        buffer[1] = StatusRequest;
        buffer[2] = TagGetThrottled;
        buffer[3] = sizeof(uint);
        buffer[4] = 0;
        buffer[5] = 0; // clear no sticky bits
        buffer[6] = 0;

        int fd = open(devicePath, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
        {
            error = $"{devicePath}: cannot open ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})";
            return false;
        }
        int rc = ioctl(fd, IoctlMboxProperty, buffer);
        int errno = Marshal.GetLastPInvokeError();
        close(fd);
        if (rc < 0)
        {
            error = $"{devicePath}: GET_THROTTLED failed ({Marshal.GetPInvokeErrorMessage(errno)})";
            return false;
        }
        return TryParseResponse(new ReadOnlySpan<uint>(buffer, 7), out word, out error);
    }

    /// <summary>Checks the firmware's answer before taking the value from it.</summary>
    public static bool TryParseResponse(ReadOnlySpan<uint> buffer, out uint word, out string? error)
    {
        word = 0;
        if (buffer.Length < 6)
        {
            error = "mailbox answer too short";
            return false;
        }
        if (buffer[1] != StatusSuccess)
        {
            error = $"mailbox status 0x{buffer[1]:x8} (firmware did not answer the request)";
            return false;
        }
        if (buffer[2] != TagGetThrottled || (buffer[4] & ResponseBit) == 0 || (buffer[4] & ~ResponseBit) < sizeof(uint))
        {
            error = $"firmware does not support GET_THROTTLED (tag 0x{buffer[2]:x8}, response 0x{buffer[4]:x8})";
            return false;
        }
        word = buffer[5];
        error = null;
        return true;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, void* arg);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
