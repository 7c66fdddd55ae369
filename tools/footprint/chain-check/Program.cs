// Builds X.509 chains the way the service does (CustomRootTrust, RevocationMode.NoCheck, DisableCertificateDownloads)
// for valid and failing cases, with certificates that carry AIA and CDP URLs (never fetched: 192.0.2.0/24), and prints
// each chain's status per element, then connects a socket. tools/footprint/chain-check.sh compares a NativeAOT build
// (with src/Appliance/ILLink.Substitutions.xml) to the JIT run: the removed AIA/CRL/OCSP paths must not be reached.
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

DateTimeOffset now = DateTimeOffset.UtcNow;
using ECDsa rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
using ECDsa intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
using ECDsa otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
X509Certificate2 root = Authority("CN=Root", null, rootKey, now.AddDays(-10), now.AddDays(100));
X509Certificate2 other = Authority("CN=Other Root", null, otherKey, now.AddDays(-10), now.AddDays(100));
X509Certificate2 intermediate = Authority("CN=Intermediate", root, intermediateKey, now.AddDays(-5), now.AddDays(50));
X509Certificate2 leaf = Leaf("CN=leaf.example", intermediate, now.AddDays(-1), now.AddDays(10));
X509Certificate2 expired = Leaf("CN=expired.example", intermediate, now.AddDays(-4), now.AddDays(-2));
X509Certificate2 rootPublic = X509CertificateLoader.LoadCertificate(root.RawData);
X509Certificate2 otherPublic = X509CertificateLoader.LoadCertificate(other.RawData);
X509Certificate2 intermediatePublic = X509CertificateLoader.LoadCertificate(intermediate.RawData);

Console.WriteLine(Build("valid", leaf, [rootPublic], [intermediatePublic], now));
Console.WriteLine(Build("missing-intermediate", leaf, [rootPublic], [], now));
Console.WriteLine(Build("expired", expired, [rootPublic], [intermediatePublic], now));
Console.WriteLine(Build("wrong-anchor", leaf, [otherPublic], [intermediatePublic], now));
Console.WriteLine(Build("future-time", leaf, [rootPublic], [intermediatePublic], now.AddYears(3)));

using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
listener.Listen();
using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
await client.ConnectAsync(listener.LocalEndPoint!);
Console.WriteLine($"connect: {client.Connected}");
return 0;

static string Build(string label, X509Certificate2 leaf, X509Certificate2[] anchors, X509Certificate2[] extra, DateTimeOffset now)
{
    using var chain = new X509Chain();
    X509ChainPolicy policy = chain.ChainPolicy;
    policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
    policy.CustomTrustStore.AddRange(anchors);
    policy.ExtraStore.AddRange(extra);
    policy.RevocationMode = X509RevocationMode.NoCheck;
    policy.DisableCertificateDownloads = true;
    policy.VerificationTime = now.UtcDateTime;
    policy.VerificationTimeIgnored = false;
    bool ok = chain.Build(leaf);
    string status = string.Join(",", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct().Order());
    string elements = string.Join(" | ", chain.ChainElements.Select(e =>
        e.Certificate.Subject + ":" + string.Join("+", e.ChainElementStatus.Select(s => s.Status.ToString()).Order())));
    return $"{label}: ok={ok} status=[{status}] elements={elements}";
}

static X509Certificate2 Authority(string name, X509Certificate2? issuer, ECDsa key, DateTimeOffset from, DateTimeOffset to)
{
    var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
    request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
    request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
    AddUrls(request, "ca");
    if (issuer is null)
        return request.CreateSelfSigned(from, to);
    using X509Certificate2 issued = request.Create(issuer, from, to, [1, 2, 3, (byte)name.Length]);
    return issued.CopyWithPrivateKey(key);
}

static X509Certificate2 Leaf(string name, X509Certificate2 issuer, DateTimeOffset from, DateTimeOffset to)
{
    using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
    AddUrls(request, "intermediate");
    using X509Certificate2 issued = request.Create(issuer, from, to, [9, 8, 7, (byte)name.Length]);
    return X509CertificateLoader.LoadCertificate(issued.RawData);
}

static void AddUrls(CertificateRequest request, string issuer)
{
    request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(
        ["http://192.0.2.1/ocsp"], [$"http://192.0.2.1/{issuer}.crt"]));
    request.CertificateExtensions.Add(
        CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([$"http://192.0.2.1/{issuer}.crl"]));
}
