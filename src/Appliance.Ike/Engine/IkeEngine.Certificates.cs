using System.Security.Cryptography;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// Certificate authentication (RFC 7296 §2.15, §3.6-3.8; RFC 7427): what IKE_SA_INIT and IKE_AUTH add for it.
public sealed partial class IkeEngine
{
    /// <summary>
    /// Responder's IKE_SA_INIT: when a tunnel this peer may use authenticates with certificates, answer the initiator's
    /// SIGNATURE_HASH_ALGORITHMS with ours and send CERTREQ for our trust anchors (§1.2 allows it here), so that a peer
    /// that sends its certificate only when asked (strongSwan's send_cert = ifasked) does send it.
    /// </summary>
    private static void AddCertificateHints(IkeSa sa, List<IkeTunnelConfig> candidates, IReadOnlyList<IkePayload> request, List<IkePayload> response)
    {
        sa.PeerSignatureHashes = SignatureHashAlgorithms.Read(request);
        var credentials = candidates.Where(c => c.Certificate is not null).Select(c => c.Certificate!).ToList();
        if (credentials.Count == 0)
            return;
        response.Add(CertificatePayloads.Request(credentials.SelectMany(c => c.TrustAnchors)));
        if (sa.PeerSignatureHashes.Count > 0)
            response.Add(SignatureHashAlgorithms.Notify());
    }

    /// <summary>Our AUTH over the signed octets, by PSK or by signature; null when the key cannot sign (logged, no secrets).</summary>
    private AuthPayload? OurAuth(IkeSa sa, IkeTunnelConfig config, byte[] realMessage, byte[] peerNonce, byte[] skP, IdPayload id)
    {
        if (config.Certificate is not { } credential)
            return new AuthPayload(AuthMethod.SharedKeyMessageIntegrityCode,
                PskAuthentication.Compute(sa.Prf!, config.Psk, realMessage, peerNonce, skP, id.Body));
        try
        {
            return SignatureAuthentication.Sign(credential, sa.PeerSignatureHashes, SignedOctets.Build(sa.Prf!, realMessage, peerNonce, skP, id.Body));
        }
        catch (CryptographicException ex)
        {
            _log.LogError("tunnel '{Tunnel}': cannot sign AUTH with the private key of {Credential}: {Error}", config.Name, credential, ex.Message);
            return null;
        }
    }

    /// <summary>CERT (ours, then intermediates) for an IKE_AUTH message of a certificate tunnel.</summary>
    private static IEnumerable<IkePayload> OurCertificates(IkeTunnelConfig config) =>
        config.Certificate is not { } credential ? []
            : new[] { credential.Certificate }.Concat(credential.Intermediates).Select(CertificatePayloads.Cert);

    /// <summary>Checks the peer's AUTH (PSK or certificate, as the tunnel demands); returns why it fails, or null.</summary>
    private string? VerifyPeerAuth(IkeSa sa, IkeTunnelConfig config, IReadOnlyList<IkePayload> p, AuthPayload auth, IdPayload id,
        byte[] realMessage, byte[] ourNonce, byte[] skP)
    {
        if (config.Certificate is not { } credential)
        {
            if (auth.Method != AuthMethod.SharedKeyMessageIntegrityCode)
                return $"peer used auth method {auth.Method}, not PSK";
            byte[] expected = PskAuthentication.Compute(sa.Prf!, config.Psk, realMessage, ourNonce, skP, id.Body);
            return PskAuthentication.Verify(auth.Data, expected) ? null : $"AUTH of '{id.Identity}' does not verify (pre-shared key mismatch?)";
        }
        if (auth.Method == AuthMethod.SharedKeyMessageIntegrityCode)
            return "peer used a pre-shared key, this tunnel authenticates with certificates";
        string? failure = CertificateVerification.Verify(credential, p, auth, SignedOctets.Build(sa.Prf!, realMessage, ourNonce, skP, id.Body),
            id.Identity, Now);
        return failure is null ? null : $"'{id.Identity}': {failure}";
    }
}
