namespace Appliance.Ipsec;

/// <summary>Fills <paramref name="destination"/> with random bytes; injectable so tests are deterministic.</summary>
public delegate void RandomFill(Span<byte> destination);
