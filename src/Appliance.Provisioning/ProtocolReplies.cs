namespace Appliance.Provisioning;

/// <summary>
/// Status codes of the provisioning line protocol (HTTP's numbers where one fits, so they read
/// familiar). A reply is zero or more data lines followed by exactly one status line, <c>OK ...</c> or
/// <c>ERR code message</c>; no data line starts with "OK " or "ERR " (PEM body lines carry no spaces).
/// </summary>
public static class ProtocolReplies
{
    public const string BannerName = "APPLIANCE-PROVISION";
    public const int ProtocolVersion = 1;

    public const int BadRequest = 400;
    public const int NotFound = 404;
    public const int TimedOut = 408;
    public const int Conflict = 409;
    public const int LineTooLong = 414;
    public const int InvalidValue = 422;
    public const int Locked = 423;
    public const int InternalError = 500;
    public const int NotImplemented = 501;

    public static string Banner(string serialNumber, string firmwareVersion) =>
        $"{BannerName} {ProtocolVersion} {serialNumber} {firmwareVersion}";

    public static string Ok(string text) => text.Length == 0 ? "OK" : "OK " + text;

    public static string Err(int code, string message) => $"ERR {code} {message}";

    public static bool IsStatusLine(string line) =>
        line == "OK" || line.StartsWith("OK ", StringComparison.Ordinal) || line.StartsWith("ERR ", StringComparison.Ordinal);
}
