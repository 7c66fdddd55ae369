using System.Buffers;

namespace Appliance.Common;

/// <summary>
/// The shapes of names and tokens that configuration and provisioning accept, checked by hand rather than with
/// generated regular expressions: the patterns are simple character runs, and the regex engine was tens of KB of
/// the binary for them (issue 19). Unlike a regex's `$`, nothing here accepts a trailing newline.
/// </summary>
public static class TextShape
{
    private static readonly SearchValues<char> Alnum = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789ABCDEFabcdef");
    private static readonly SearchValues<char> NameChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
    private static readonly SearchValues<char> HostChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");
    private static readonly SearchValues<char> TokenChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
    private static readonly SearchValues<char> UserChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-");
    private static readonly SearchValues<char> LowerAlnum = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789");
    private static readonly SearchValues<char> BoardChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");
    private static readonly SearchValues<char> ProposalChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_");
    private static readonly SearchValues<char> UpstreamChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:.[]/#_-");
    private static readonly SearchValues<char> AddressChars = SearchValues.Create("0123456789.");

    /// <summary>length in [min, max] and every character in the set.</summary>
    private static bool Run(ReadOnlySpan<char> s, int min, int max, SearchValues<char> allowed) =>
        s.Length >= min && s.Length <= max && !s.ContainsAnyExcept(allowed);

    /// <summary>Tunnel names: 1-32 of letters, digits, _ and -.</summary>
    public static bool IsTunnelName(string s) => Run(s, 1, 32, NameChars);

    /// <summary>1-64 of letters, digits, . _ and -.</summary>
    public static bool IsToken(string s) => Run(s, 1, 64, TokenChars);

    /// <summary>Remote-access user names as clients type them: 1-64 of letters, digits, . _ @ and -.</summary>
    public static bool IsUserName(string s) => Run(s, 1, 64, UserChars);

    /// <summary>Linux interface names: 1-15 of letters, digits, . _ and -.</summary>
    public static bool IsInterfaceName(string s) => Run(s, 1, 15, TokenChars);

    /// <summary>An NT hash: exactly 32 hexadecimal digits.</summary>
    public static bool IsNtHash(string s) => Run(s, 32, 32, Hex);

    /// <summary>Board names: a lower-case letter or digit, then up to 31 of those and '-'.</summary>
    public static bool IsBoardName(string s) => s.Length >= 1 && LowerAlnum.Contains(s[0]) && Run(s.AsSpan(1), 0, 31, BoardChars);

    /// <summary>A DNS name: at most 253 characters, labels of 1-63 letters, digits, '-' and '_', an optional final dot.</summary>
    public static bool IsDomainName(string s)
    {
        if (s.Length is < 1 or > 253)
            return false;
        ReadOnlySpan<char> rest = s.EndsWith('.') ? s.AsSpan(0, s.Length - 1) : s;
        return Items(rest, '.', label => Run(label, 1, 63, NameChars));
    }

    /// <summary>
    /// A host name to connect to (RFC 1123 §2.1): at most 253 characters, labels of 1-63 letters, digits and '-', no label
    /// starting or ending with '-', and a last label that is not all digits (10.99.0.300 is a bad address, not a name).
    /// </summary>
    public static bool IsHostName(string s) => s.Length is >= 1 and <= 253
        && Items(s, '.', label => Run(label, 1, 63, HostChars) && label[0] != '-' && label[^1] != '-')
        && s.AsSpan(s.LastIndexOf('.') + 1).ContainsAnyExceptInRange('0', '9');

    /// <summary>strongSwan-style proposals: tokens of a-z, 0-9 and _ joined by '-'.</summary>
    public static bool IsProposal(string s) => Items(s, '-', item => Run(item, 1, int.MaxValue, ProposalChars));

    /// <summary>Comma-separated DNS upstreams (wan, hq, address[:port], tls://ADDRESS#NAME), each parsed fully later.</summary>
    public static bool IsUpstreamList(string s) => Items(s, ',', item => Run(item, 1, int.MaxValue, UpstreamChars));

    /// <summary>A static DHCP lease "MAC=IPv4": six hex pairs separated by ':' or '-', then 7-15 of digits and dots.</summary>
    public static bool IsStaticLease(string s)
    {
        int equals = s.IndexOf('=');
        if (equals != 17 || !Run(s.AsSpan(18), 7, 15, AddressChars))
            return false;
        for (int i = 0; i < 17; i++)
        {
            char c = s[i];
            bool ok = i % 3 == 2 ? c is ':' or '-' : Hex.Contains(c);
            if (!ok) return false;
        }
        return true;
    }

    private delegate bool ItemCheck(ReadOnlySpan<char> item);

    /// <summary>Non-empty text whose separator-delimited items (none empty) all pass the check.</summary>
    private static bool Items(ReadOnlySpan<char> s, char separator, ItemCheck check)
    {
        if (s.IsEmpty)
            return false;
        foreach (Range r in s.Split(separator))
            if (!check(s[r])) return false;
        return true;
    }
}
