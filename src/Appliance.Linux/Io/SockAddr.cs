using System.Buffers.Binary;

namespace Appliance.Linux.Io;

/// <summary>Writes sockaddr_in / sockaddr_in6 by hand (network byte order) into a batch name slot.</summary>
internal static class SockAddr
{
    public const int InetSize = 16, Inet6Size = 28;

    /// <summary>Destination for an address given as 4 or 16 raw bytes; returns the sockaddr length.</summary>
    public static int Write(Span<byte> name, ReadOnlySpan<byte> address, ushort port = 0)
    {
        name[..Inet6Size].Clear();
        if (address.Length == 4)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(name, Native.Libc.AF_INET);
            BinaryPrimitives.WriteUInt16BigEndian(name[2..], port);
            address.CopyTo(name[4..]);
            return InetSize;
        }
        BinaryPrimitives.WriteUInt16LittleEndian(name, Native.Libc.AF_INET6);
        BinaryPrimitives.WriteUInt16BigEndian(name[2..], port);
        address.CopyTo(name[8..]);
        return Inet6Size;
    }
}
