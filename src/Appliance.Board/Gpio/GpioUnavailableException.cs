namespace Appliance.Board;

/// <summary>The board's GPIO cannot be driven: no usable libgpiod, or the profile's chip is absent.</summary>
public sealed class GpioUnavailableException : Exception
{
    public GpioUnavailableException(string message) : base(message) { }
    public GpioUnavailableException(string message, Exception inner) : base(message, inner) { }
}
