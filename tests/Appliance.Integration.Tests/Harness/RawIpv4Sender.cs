using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Integration.Tests.Harness;

/// <summary>
/// Hand-built IPv4 packets with any source address (spoofing) through a raw IPPROTO_RAW socket in a namespace: what a
/// flood tool on the internet sends to the box's WAN. The kernel fills in the IP checksum; UDP checksums are left 0
/// (allowed for IPv4, RFC 768).
/// </summary>
public sealed class RawIpv4Sender : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[65535];
    private ushort _id;

    public RawIpv4Sender(string ns)
    {
        _socket = NamespaceSocket.Open(ns, () => new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw));
        _socket.SendBufferSize = 4 << 20;
    }

    public long Sent { get; private set; }
    /// <summary>Sends the kernel refused (ENOBUFS under load): not on the wire, not counted in <see cref="Sent"/>.</summary>
    public long Refused { get; private set; }

    /// <summary>One IPv4 packet with the given protocol and payload (e.g. 50 for ESP).</summary>
    public void Send(IPAddress source, IPAddress destination, byte protocol, ReadOnlySpan<byte> payload)
    {
        int total = 20 + payload.Length;
        if (total > _buffer.Length) throw new ArgumentException("payload too large for one IPv4 packet", nameof(payload));
        Span<byte> p = _buffer.AsSpan(0, total);
        p[0] = 0x45;
        p[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(p[2..], (ushort)total);
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], ++_id);
        BinaryPrimitives.WriteUInt16BigEndian(p[6..], 0); // no DF: an oversized datagram leaves as IP fragments
        p[8] = 64;
        p[9] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(p[10..], 0);
        source.TryWriteBytes(p[12..16], out _);
        destination.TryWriteBytes(p[16..20], out _);
        payload.CopyTo(p[20..]);
        try
        {
            _socket.SendTo(p, new IPEndPoint(destination, 0));
            Sent++;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.NoBufferSpaceAvailable or SocketError.WouldBlock)
        {
            Refused++;
        }
    }

    /// <summary>One UDP datagram (IPv4, checksum 0) from any source address and port.</summary>
    public void SendUdp(IPAddress source, int sourcePort, IPAddress destination, int destinationPort, ReadOnlySpan<byte> payload)
    {
        Span<byte> udp = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], (ushort)destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udp.Length);
        payload.CopyTo(udp[8..]);
        Send(source, destination, 17, udp);
    }

    public void Dispose() => _socket.Dispose();
}
