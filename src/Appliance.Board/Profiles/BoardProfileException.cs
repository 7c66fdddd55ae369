namespace Appliance.Board;

/// <summary>A board profile is missing or invalid; the message says which file and which field.</summary>
public sealed class BoardProfileException : Exception
{
    public BoardProfileException(string message) : base(message) { }
    public BoardProfileException(string message, Exception inner) : base(message, inner) { }
}
