using System.Buffers.Binary;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Exchanges;

/// <summary>Hash Algorithm Identifiers of the SIGNATURE_HASH_ALGORITHMS notify (RFC 7427 §4, IANA registry).</summary>
internal enum SignatureHash : ushort
{
    Sha1 = 1,
    Sha2_256 = 2,
    Sha2_384 = 3,
    Sha2_512 = 4,
    /// <summary>RFC 8420 §2: "Identity", for signature schemes that hash internally (Ed25519).</summary>
    Identity = 5,
}

/// <summary>The SIGNATURE_HASH_ALGORITHMS notify (RFC 7427 §4): a list of 2-octet hash identifiers.</summary>
internal static class SignatureHashAlgorithms
{
    /// <summary>What we announce: the SHA-2 hashes (SHA-1 is not offered for new signatures) and Identity for Ed25519.</summary>
    public static readonly IReadOnlyList<SignatureHash> Supported =
        [SignatureHash.Sha2_256, SignatureHash.Sha2_384, SignatureHash.Sha2_512, SignatureHash.Identity];

    public static NotifyPayload Notify()
    {
        var data = new byte[Supported.Count * 2];
        for (int i = 0; i < Supported.Count; i++)
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(i * 2), (ushort)Supported[i]);
        return new NotifyPayload(NotifyType.SignatureHashAlgorithms, data);
    }

    /// <summary>
    /// The hashes the peer announced; empty when it sent no notify (it then expects RFC 7296 methods 1/9/10/11) or an
    /// odd-length one, which is malformed and so ignored. Unknown identifiers are kept out.
    /// </summary>
    public static IReadOnlyList<SignatureHash> Read(IReadOnlyList<IkePayload> payloads)
    {
        NotifyPayload? notify = payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.NotifyType == NotifyType.SignatureHashAlgorithms);
        if (notify is null || notify.Data.Length % 2 != 0)
            return [];
        var hashes = new List<SignatureHash>(notify.Data.Length / 2);
        for (int i = 0; i + 1 < notify.Data.Length; i += 2)
        {
            var h = (SignatureHash)BinaryPrimitives.ReadUInt16BigEndian(notify.Data.AsSpan(i));
            if (Enum.IsDefined(h) && !hashes.Contains(h))
                hashes.Add(h);
        }
        return hashes;
    }
}
