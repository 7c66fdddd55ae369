using System.Runtime.InteropServices;

namespace Appliance.Lan.Io.Tls;

/// <summary>
/// The OpenSSL 3 calls of the DNS-over-TLS client: the same libssl.so.3/libcrypto.so.3 that .NET's own
/// cryptography loads (the package depends on libssl3; the image ships openssl). Macros of ssl.h are spelled out
/// as the ctrl calls they expand to.
/// </summary>
internal static unsafe partial class LibSsl
{
    private const string Ssl = "libssl.so.3";
    private const string Crypto = "libcrypto.so.3";

    public const int SSL_VERIFY_PEER = 1;
    public const int SSL_ERROR_WANT_READ = 2, SSL_ERROR_WANT_WRITE = 3, SSL_ERROR_ZERO_RETURN = 6;
    public const int SSL_CTRL_SET_TLSEXT_HOSTNAME = 55, TLSEXT_NAMETYPE_host_name = 0;
    public const int SSL_CTRL_SET_MIN_PROTO_VERSION = 123, TLS1_2_VERSION = 0x0303;
    public const int BIO_CTRL_PENDING = 10;
    public const long X509_V_OK = 0;

    [LibraryImport(Ssl)] public static partial nint TLS_client_method();
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_new(nint method);
    [LibraryImport(Ssl)] public static partial void SSL_CTX_free(nint ctx);
    [LibraryImport(Ssl)] public static partial long SSL_CTX_ctrl(nint ctx, int cmd, long larg, nint parg);
    [LibraryImport(Ssl)] public static partial void SSL_CTX_set_verify(nint ctx, int mode, nint callback);
    [LibraryImport(Ssl)] public static partial int SSL_CTX_set_default_verify_paths(nint ctx);
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_get_cert_store(nint ctx);
    [LibraryImport(Ssl)] public static partial nint SSL_new(nint ctx);
    [LibraryImport(Ssl)] public static partial void SSL_free(nint ssl);
    [LibraryImport(Ssl)] public static partial long SSL_ctrl(nint ssl, int cmd, long larg, nint parg);
    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)] public static partial int SSL_set1_host(nint ssl, string hostname);
    [LibraryImport(Ssl)] public static partial void SSL_set_bio(nint ssl, nint rbio, nint wbio);
    [LibraryImport(Ssl)] public static partial void SSL_set_connect_state(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_do_handshake(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_get_error(nint ssl, int ret);
    [LibraryImport(Ssl)] public static partial long SSL_get_verify_result(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_read(nint ssl, byte* buf, int num);
    [LibraryImport(Ssl)] public static partial int SSL_write(nint ssl, byte* buf, int num);

    [LibraryImport(Crypto)] public static partial nint BIO_s_mem();
    [LibraryImport(Crypto)] public static partial nint BIO_new(nint type);
    [LibraryImport(Crypto)] public static partial void BIO_free(nint bio);
    [LibraryImport(Crypto)] public static partial int BIO_read(nint bio, byte* data, int len);
    [LibraryImport(Crypto)] public static partial int BIO_write(nint bio, byte* data, int len);
    [LibraryImport(Crypto)] public static partial long BIO_ctrl(nint bio, int cmd, long larg, nint parg);
    [LibraryImport(Crypto)] public static partial nint d2i_X509(nint reuse, byte** data, long length);
    [LibraryImport(Crypto)] public static partial void X509_free(nint x509);
    [LibraryImport(Crypto)] public static partial int X509_STORE_add_cert(nint store, nint x509);
    [LibraryImport(Crypto)] public static partial nint X509_verify_cert_error_string(long error);
    [LibraryImport(Crypto)] public static partial ulong ERR_get_error();
    [LibraryImport(Crypto)] public static partial void ERR_error_string_n(ulong error, byte* buf, nuint len);
    [LibraryImport(Crypto)] public static partial void ERR_clear_error();

    /// <summary>The first queued OpenSSL error as text (the queue is then cleared), or null if none.</summary>
    public static string? TakeError()
    {
        ulong code = ERR_get_error();
        ERR_clear_error();
        if (code == 0)
            return null;
        byte* text = stackalloc byte[256];
        ERR_error_string_n(code, text, 256);
        return Marshal.PtrToStringUTF8((nint)text);
    }
}
