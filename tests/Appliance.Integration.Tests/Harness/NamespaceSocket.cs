using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Appliance.Integration.Tests.Harness;

/// <summary>
/// Opens a socket inside a named network namespace from this process: setns(2) moves only the calling thread, so a
/// private thread joins the namespace, creates the socket (which stays in that namespace for good) and ends.
/// </summary>
public static class NamespaceSocket
{
    private const int CloneNewNet = 0x40000000;

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    public static Socket Open(string ns, Func<Socket> create)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle("/run/netns/" + ns);
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new IOException($"setns({ns}) failed: errno {Marshal.GetLastPInvokeError()}");
                socket = create();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw new InvalidOperationException($"in namespace {ns}: {error.Message}", error);
        return socket!;
    }
}
