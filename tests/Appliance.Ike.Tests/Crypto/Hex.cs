namespace Appliance.Ike.Tests.Crypto;

internal static class Hex
{
    /// <summary>Parses hex that may contain spaces or line breaks, as vectors are printed in RFCs.</summary>
    public static byte[] Parse(string text) =>
        Convert.FromHexString(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));

    public static string Of(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(data);
}

/// <summary>Randomness that replays fixed bytes, so a private value from a published vector is used as-is.</summary>
internal sealed class FixedRandom(params byte[][] chunks) : Appliance.Ike.Crypto.IIkeRandomBytes
{
    private int _next;

    public void Fill(Span<byte> buffer)
    {
        byte[] chunk = chunks[_next++];
        Assert.Equal(chunk.Length, buffer.Length);
        chunk.CopyTo(buffer);
    }
}

/// <summary>Deterministic non-secret bytes for round-trip tests.</summary>
internal sealed class CountingRandom(byte seed) : Appliance.Ike.Crypto.IIkeRandomBytes
{
    private byte _value = seed;

    public void Fill(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++)
            buffer[i] = unchecked(_value += 37);
    }
}
