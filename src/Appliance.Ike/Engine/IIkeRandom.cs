using System.Security.Cryptography;

namespace Appliance.Ike;

/// <summary>Source of SPIs, nonces, IVs and DH private keys; injectable so two engines can run deterministically.</summary>
public interface IIkeRandom
{
    void Fill(Span<byte> buffer);
}

/// <summary>The production source: the OS CSPRNG.</summary>
public sealed class SystemIkeRandom : IIkeRandom
{
    public static SystemIkeRandom Instance { get; } = new();
    public void Fill(Span<byte> buffer) => RandomNumberGenerator.Fill(buffer);
}
