using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Lan.Io;
using Appliance.Lan.Io.Tls;

namespace Appliance.Lan.Tests;

/// <summary>
/// The libssl DNS-over-TLS client against .NET's SslStream as the server on loopback, with a test CA: the name and
/// the chain are checked, a DNS message makes the round trip, and every refusal is an IOException that says why.
/// </summary>
public sealed class TlsClientStreamTests : IDisposable
{
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _server;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public TlsClientStreamTests()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Test DNS CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        _ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=dns.example.net", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("dns.example.net");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);
        using var withKey = issued.CopyWithPrivateKey(key);
        _server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Stop();
        _ca.Dispose();
        _server.Dispose();
    }

    /// <summary>Answers one framed DNS message with the same bytes reversed after the length.</summary>
    private async Task ServeOneAsync()
    {
        using var client = await _listener.AcceptTcpClientAsync();
        await using var tls = new SslStream(client.GetStream());
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _server });
            byte[]? query = await SocketDnsTransport.ReadFramedAsync(tls, CancellationToken.None);
            if (query is null) return;
            Array.Reverse(query);
            await tls.WriteAsync(new byte[] { 0, (byte)query.Length });
            await tls.WriteAsync(query);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException) { }
    }

    private IPEndPoint Server => (IPEndPoint)_listener.LocalEndpoint;

    [Fact]
    public async Task A_query_makes_the_round_trip_when_name_and_chain_check()
    {
        Task server = ServeOneAsync();
        var transport = new SocketDnsTransport(TimeSpan.FromSeconds(10), [_ca]);
        byte[]? answer = await transport.TlsAsync(Server, "dns.example.net", [1, 2, 3, 4, 5], CancellationToken.None);
        Assert.Equal([5, 4, 3, 2, 1], answer);
        await server.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_certificate_for_another_name_is_refused()
    {
        Task server = ServeOneAsync();
        var e = await Assert.ThrowsAsync<IOException>(() => Handshake("other.example.net", [_ca]));
        Assert.Contains("certificate not accepted", e.Message);
        Assert.Contains("mismatch", e.Message);
        await server.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_chain_to_an_untrusted_root_is_refused_and_the_system_store_does_not_know_the_test_CA()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = new CertificateRequest("CN=Other CA", otherKey, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Task server = ServeOneAsync();
        var e = await Assert.ThrowsAsync<IOException>(() => Handshake("dns.example.net", [other]));
        Assert.Contains("certificate not accepted", e.Message);
        await server.WaitAsync(TimeSpan.FromSeconds(10));

        server = ServeOneAsync();
        e = await Assert.ThrowsAsync<IOException>(() => Handshake("dns.example.net", null));
        Assert.Contains("certificate not accepted", e.Message);
        await server.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_server_that_is_not_TLS_ends_the_query_with_no_answer()
    {
        Task server = Task.Run(async () =>
        {
            using var client = await _listener.AcceptTcpClientAsync();
            await client.GetStream().WriteAsync("HTTP/1.0 400 nonsense\r\n\r\n"u8.ToArray());
        });
        var transport = new SocketDnsTransport(TimeSpan.FromSeconds(10), [_ca]);
        Assert.Null(await transport.TlsAsync(Server, "dns.example.net", [1, 2, 3], CancellationToken.None));
        await server.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private async Task Handshake(string name, X509Certificate2Collection? anchors)
    {
        using var context = new TlsClientContext(anchors);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Server);
        await using var tls = await TlsClientStream.ConnectAsync(context, socket, name, CancellationToken.None);
    }
}
