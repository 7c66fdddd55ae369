namespace Appliance.Lan.Dns;

/// <summary>
/// A name pattern of an exclusion list: "zoom.us" is that domain and every name below it, "*.example-video.com" only the
/// names below it (the domain itself not). Names compare lower-cased without the trailing dot, as <see cref="DnsName"/>
/// normalizes them.
/// </summary>
public sealed record DomainPattern(string Domain, bool BelowOnly)
{
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DomainPattern? pattern)
    {
        pattern = null;
        string t = text.Trim();
        bool below = t.StartsWith("*.", StringComparison.Ordinal);
        if (below) t = t[2..];
        // A wildcard anywhere else, or a bare TLD-less root, is not a pattern we can match sensibly.
        if (t.Contains('*') || DnsName.Normalize(t) is not { Length: > 0 } domain || !Common.TextShape.IsDomainName(domain)) return false;
        pattern = new DomainPattern(domain, below);
        return true;
    }

    /// <summary>Whether the (normalized) <paramref name="name"/> is covered.</summary>
    public bool Matches(string name) =>
        BelowOnly ? name.Length > Domain.Length && DnsName.IsAtOrBelow(name, Domain) : DnsName.IsAtOrBelow(name, Domain);

    public override string ToString() => BelowOnly ? "*." + Domain : Domain;
}
