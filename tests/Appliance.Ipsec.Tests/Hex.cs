namespace Appliance.Ipsec.Tests;

internal static class Hex
{
    /// <summary>Parses hex written the way RFCs print it: whitespace and newlines ignored.</summary>
    public static byte[] Parse(string text) =>
        Convert.FromHexString(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
