using System.Security.Cryptography.X509Certificates;
using static Appliance.Lan.Io.Tls.LibSsl;

namespace Appliance.Lan.Io.Tls;

/// <summary>
/// The TLS client settings of DNS over TLS (RFC 7858 §4.2, strict privacy): TLS 1.2 or later, the server's chain
/// verified against the system's CA store or, when the operator gives anchors, against those alone. The box
/// never downloads missing intermediates or revocation data: the resolver must send its whole chain. Built on
/// libssl directly instead of SslStream, which brought ~300 KB into the binary for one client (issue 19).
/// </summary>
public sealed class TlsClientContext : IDisposable
{
    internal nint Handle { get; private set; }

    public TlsClientContext(X509Certificate2Collection? anchors)
    {
        Handle = SSL_CTX_new(TLS_client_method());
        if (Handle == 0)
            throw new IOException($"TLS: cannot create a client context: {TakeError() ?? "libssl refused"}");
        try
        {
            if (SSL_CTX_ctrl(Handle, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, 0) != 1)
                throw new IOException($"TLS: cannot require TLS 1.2: {TakeError()}");
            SSL_CTX_set_verify(Handle, SSL_VERIFY_PEER, 0);
            if (anchors is { Count: > 0 })
                AddAnchors(anchors);
            else if (SSL_CTX_set_default_verify_paths(Handle) != 1)
                throw new IOException($"TLS: cannot load the system CA store: {TakeError()}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private unsafe void AddAnchors(X509Certificate2Collection anchors)
    {
        nint store = SSL_CTX_get_cert_store(Handle);
        foreach (X509Certificate2 anchor in anchors)
        {
            byte[] der = anchor.RawData;
            fixed (byte* start = der)
            {
                byte* cursor = start;
                nint x509 = d2i_X509(0, &cursor, der.Length);
                if (x509 == 0)
                    throw new IOException($"TLS: anchor {anchor.Subject} is not a certificate libssl reads: {TakeError()}");
                int added = X509_STORE_add_cert(store, x509); // the store takes its own reference
                X509_free(x509);
                if (added != 1)
                    throw new IOException($"TLS: cannot add anchor {anchor.Subject}: {TakeError()}");
            }
        }
    }

    public void Dispose()
    {
        if (Handle != 0)
            SSL_CTX_free(Handle);
        Handle = 0;
    }
}
