namespace Appliance.Ike.Crypto;

/// <summary>
/// One ephemeral Diffie-Hellman exchange (the KE payload of RFC 7296 §3.4). The private value is drawn from
/// the injected randomness, so a test that injects fixed bytes reproduces published vectors.
/// </summary>
public abstract class KeyExchange : IDisposable
{
    private protected KeyExchange(DhGroup group) => Group = group;

    public static KeyExchange Create(DhGroup group, IIkeRandomBytes? rng = null)
    {
        IIkeRandomBytes random = rng ?? SystemRandomBytes.Instance;
        return group switch
        {
            DhGroup.Modp2048 or DhGroup.Modp1024 => new ModpKeyExchange(group, random),
            DhGroup.Ecp256 or DhGroup.Ecp384 or DhGroup.Ecp521 => new EcpKeyExchange(group, random),
            DhGroup.Curve25519 => new X25519KeyExchange(random),
            _ => throw new ArgumentOutOfRangeException(nameof(group), group, "unsupported key exchange method"),
        };
    }

    public DhGroup Group { get; }

    /// <summary>The Key Exchange Data of the KE payload, in the group's wire form.</summary>
    public abstract ReadOnlyMemory<byte> PublicValue { get; }

    /// <summary>Length the peer's Key Exchange Data must have for this group.</summary>
    public abstract int PublicValueLength { get; }

    /// <summary>Computes g^ir in the form RFC 7296 §2.14 feeds to SKEYSEED; false for a malformed or invalid peer value.</summary>
    public abstract bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, out byte[] sharedSecret);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
