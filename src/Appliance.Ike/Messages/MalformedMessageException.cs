namespace Appliance.Ike.Messages;

/// <summary>
/// Raised inside the codec when input violates a length or field rule; the decode entry points
/// catch it and turn it into a <see cref="DecodeStatus"/>, so it never reaches the host.
/// </summary>
internal sealed class MalformedMessageException(string message) : Exception(message);
