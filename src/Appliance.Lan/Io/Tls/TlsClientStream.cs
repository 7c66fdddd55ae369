using System.Net.Sockets;
using System.Runtime.InteropServices;
using static Appliance.Lan.Io.Tls.LibSsl;

namespace Appliance.Lan.Io.Tls;

/// <summary>
/// A TLS client over a connected socket. libssl works on memory BIOs and never touches the socket: this class
/// moves ciphertext between them with the socket's async calls, so a slow resolver holds no thread. The server's
/// name is checked against its certificate (SSL_set1_host) and sent as SNI. The socket stays the caller's.
/// </summary>
public sealed class TlsClientStream : Stream
{
    private const int RecordSize = 16 * 1024 + 512;

    private readonly Socket _socket;
    private readonly byte[] _network = new byte[RecordSize];
    private nint _ssl, _rbio, _wbio;

    private TlsClientStream(Socket socket, nint ssl, nint rbio, nint wbio)
    {
        _socket = socket;
        _ssl = ssl;
        _rbio = rbio;
        _wbio = wbio;
    }

    /// <summary>Runs the handshake; a certificate that does not verify or name the server is an IOException.</summary>
    public static async Task<TlsClientStream> ConnectAsync(TlsClientContext context, Socket socket, string serverName, CancellationToken cancel)
    {
        var stream = Create(context, socket, serverName);
        try
        {
            while (true)
            {
                int result = stream.Step(static ssl => SSL_do_handshake(ssl), out int error);
                await stream.SendPendingAsync(cancel);
                if (result == 1)
                    return stream;
                if (error == SSL_ERROR_WANT_READ)
                {
                    if (!await stream.ReceiveAsync(cancel))
                        throw new IOException($"TLS: {serverName} closed the connection during the handshake");
                }
                else if (error != SSL_ERROR_WANT_WRITE)
                {
                    throw new IOException($"TLS: handshake with {serverName} failed: {stream.Failure()}");
                }
            }
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    private static TlsClientStream Create(TlsClientContext context, Socket socket, string serverName)
    {
        nint ssl = SSL_new(context.Handle);
        if (ssl == 0)
            throw new IOException($"TLS: cannot create a session: {TakeError()}");
        nint rbio = BIO_new(BIO_s_mem()), wbio = BIO_new(BIO_s_mem());
        if (rbio == 0 || wbio == 0)
        {
            if (rbio != 0) BIO_free(rbio);
            if (wbio != 0) BIO_free(wbio);
            SSL_free(ssl);
            throw new IOException("TLS: cannot create memory BIOs");
        }
        SSL_set_bio(ssl, rbio, wbio); // the session owns both BIOs from here
        var stream = new TlsClientStream(socket, ssl, rbio, wbio);
        nint name = Marshal.StringToCoTaskMemUTF8(serverName);
        try
        {
            if (SSL_set1_host(ssl, serverName) != 1 || SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, name) != 1)
            {
                stream.Dispose();
                throw new IOException($"TLS: '{serverName}' is not a name libssl can check: {TakeError()}");
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(name);
        }
        SSL_set_connect_state(ssl);
        return stream;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ssl == 0, this);
        if (buffer.Length == 0)
            return 0;
        while (true)
        {
            int n = ReadPlain(buffer.Span, out int error);
            if (n > 0)
                return n;
            if (error == SSL_ERROR_ZERO_RETURN)
                return 0;
            await SendPendingAsync(cancellationToken);
            if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE)
                throw new IOException($"TLS: read failed: {Failure()}");
            if (error == SSL_ERROR_WANT_READ && !await ReceiveAsync(cancellationToken))
                return 0;
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ssl == 0, this);
        while (buffer.Length > 0)
        {
            int n = WritePlain(buffer.Span, out int error);
            await SendPendingAsync(cancellationToken);
            if (n > 0)
            {
                buffer = buffer[n..];
                continue;
            }
            if (error == SSL_ERROR_WANT_READ)
            {
                if (!await ReceiveAsync(cancellationToken))
                    throw new IOException("TLS: the server closed the connection");
            }
            else if (error != SSL_ERROR_WANT_WRITE)
            {
                throw new IOException($"TLS: write failed: {Failure()}");
            }
        }
    }

    private unsafe int ReadPlain(Span<byte> buffer, out int error)
    {
        ERR_clear_error();
        fixed (byte* p = buffer)
        {
            int n = SSL_read(_ssl, p, buffer.Length);
            error = n > 0 ? 0 : SSL_get_error(_ssl, n);
            return n;
        }
    }

    private unsafe int WritePlain(ReadOnlySpan<byte> buffer, out int error)
    {
        ERR_clear_error();
        fixed (byte* p = buffer)
        {
            int n = SSL_write(_ssl, p, buffer.Length);
            error = n > 0 ? 0 : SSL_get_error(_ssl, n);
            return n;
        }
    }

    private int Step(Func<nint, int> call, out int error)
    {
        ERR_clear_error();
        int result = call(_ssl);
        error = result == 1 ? 0 : SSL_get_error(_ssl, result);
        return result;
    }

    /// <summary>Why the session failed: the certificate check's verdict if it failed, else libssl's error.</summary>
    private string Failure()
    {
        long verify = SSL_get_verify_result(_ssl);
        string? error = TakeError();
        if (verify != X509_V_OK)
            return $"certificate not accepted ({Marshal.PtrToStringUTF8(X509_verify_cert_error_string(verify))})";
        return error ?? "protocol error";
    }

    /// <summary>Sends whatever ciphertext libssl has queued.</summary>
    private async ValueTask SendPendingAsync(CancellationToken cancel)
    {
        while (BIO_ctrl(_wbio, BIO_CTRL_PENDING, 0, 0) > 0)
        {
            int n = TakeCiphertext();
            if (n <= 0)
                break;
            await _socket.SendAsync(_network.AsMemory(0, n), SocketFlags.None, cancel);
        }
    }

    private unsafe int TakeCiphertext()
    {
        fixed (byte* p = _network)
            return BIO_read(_wbio, p, _network.Length);
    }

    /// <summary>Feeds one socket read to libssl; false at the end of the stream.</summary>
    private async ValueTask<bool> ReceiveAsync(CancellationToken cancel)
    {
        int n = await _socket.ReceiveAsync(_network, SocketFlags.None, cancel);
        if (n == 0)
            return false;
        GiveCiphertext(n);
        return true;
    }

    private unsafe void GiveCiphertext(int count)
    {
        fixed (byte* p = _network)
            if (BIO_write(_rbio, p, count) != count)
                throw new IOException("TLS: libssl did not take the received data");
    }

    protected override void Dispose(bool disposing)
    {
        if (_ssl != 0)
            SSL_free(_ssl); // frees both BIOs
        _ssl = _rbio = _wbio = 0;
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
