using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Appliance.Lan.Dns;
using Appliance.Lan.Io.Tls;

namespace Appliance.Lan.Io;

/// <summary>
/// Upstream queries over real sockets: UDP from a fresh random port (connected, so only the server's datagrams
/// arrive), TCP and TLS with RFC 1035's length prefix, one connection per query, each bounded by a timeout.
/// </summary>
public sealed class SocketDnsTransport(TimeSpan timeout, X509Certificate2Collection? tlsTrust = null) : IDnsTransport
{
    // One TLS client context for the transport's life; a failure to build it is retried at the next query.
    private readonly Lazy<TlsClientContext> _tls = new(() => new TlsClientContext(tlsTrust), LazyThreadSafetyMode.PublicationOnly);

    /// <summary>
    /// The source address of upstream queries of its family, or null for the kernel's choice. A full tunnel sets the LAN
    /// address: the box's packets from it are routed into the tunnel, so every query leaves through it.
    /// </summary>
    public IPAddress? Source { get; init; }

    private void BindSource(Socket s, IPEndPoint server)
    {
        if (Source is not { } source || source.AddressFamily != server.AddressFamily) return;
        s.SetRawSocketOption(0, 15 /* IP_FREEBIND */, BitConverter.GetBytes(1));
        s.Bind(new IPEndPoint(source, 0));
    }

    public async Task<byte[]?> UdpAsync(IPEndPoint server, byte[] query, CancellationToken cancel)
    {
        using var s = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        using var deadline = Deadline(cancel);
        try
        {
            BindSource(s, server);
            await s.ConnectAsync(server, deadline.Token);
            await s.SendAsync(query, SocketFlags.None, deadline.Token);
            var buffer = new byte[65535];
            int n = await s.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            return buffer[..n];
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            return null;
        }
    }

    public async Task<byte[]?> TcpAsync(IPEndPoint server, byte[] query, CancellationToken cancel)
    {
        using var deadline = Deadline(cancel);
        try
        {
            using var client = new TcpClient(server.AddressFamily);
            BindSource(client.Client, server);
            await client.ConnectAsync(server, deadline.Token);
            return await ExchangeAsync(client.GetStream(), query, deadline.Token);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            return null;
        }
    }

    public async Task<byte[]?> TlsAsync(IPEndPoint server, string name, byte[] query, CancellationToken cancel)
    {
        using var deadline = Deadline(cancel);
        try
        {
            using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            BindSource(socket, server);
            await socket.ConnectAsync(server, deadline.Token);
            // The name is checked against the certificate's subjectAltName; the chain against the system store or
            // the operator's anchors (TlsCaCertificates), never completed by downloads.
            await using var tls = await TlsClientStream.ConnectAsync(_tls.Value, socket, name, deadline.Token);
            return await ExchangeAsync(tls, query, deadline.Token);
        }
        catch (Exception e) when (e is SocketException or IOException
                                      or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Writes one length-prefixed message and reads one back.</summary>
    public static async Task<byte[]?> ExchangeAsync(Stream stream, byte[] query, CancellationToken cancel)
    {
        var framed = new byte[2 + query.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await stream.WriteAsync(framed, cancel);
        await stream.FlushAsync(cancel);
        return await ReadFramedAsync(stream, cancel);
    }

    /// <summary>One two-byte-length-prefixed DNS message from a stream; null at end of stream.</summary>
    public static async Task<byte[]?> ReadFramedAsync(Stream stream, CancellationToken cancel)
    {
        var length = new byte[2];
        if (!await ReadExactlyOrEndAsync(stream, length, cancel)) return null;
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        return await ReadExactlyOrEndAsync(stream, message, cancel) ? message : null;
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancel)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancel);
            return true;
        }
        catch (EndOfStreamException) { return false; }
    }

    private CancellationTokenSource Deadline(CancellationToken cancel)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        cts.CancelAfter(timeout);
        return cts;
    }
}
