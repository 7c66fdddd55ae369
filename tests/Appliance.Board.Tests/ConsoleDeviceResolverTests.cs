namespace Appliance.Board.Tests;

public class ConsoleDeviceResolverTests
{
    [Fact]
    public void A_symlink_like_serial0_resolves_to_the_uart_it_points_at()
    {
        using var dev = new TempDir();
        File.WriteAllText(dev.Combine("ttyAMA0"), "");
        File.CreateSymbolicLink(dev.Combine("serial0"), "ttyAMA0"); // Relative, as udev makes it.

        Assert.Equal(dev.Combine("ttyAMA0"), ConsoleDeviceResolver.Resolve(new ConsoleDefinition(dev.Combine("serial0"), null, 115200)));
    }

    [Fact]
    public void The_fallback_is_used_when_the_device_is_missing()
    {
        using var dev = new TempDir();
        File.WriteAllText(dev.Combine("ttyAMA0"), "");

        Assert.Equal(dev.Combine("ttyAMA0"),
            ConsoleDeviceResolver.Resolve(new ConsoleDefinition(dev.Combine("serial0"), dev.Combine("ttyAMA0"), 115200)));
    }

    [Fact]
    public void A_dangling_link_and_no_fallback_is_a_clear_error()
    {
        using var dev = new TempDir();
        File.CreateSymbolicLink(dev.Combine("serial0"), "ttyS0");

        var e = Assert.Throws<BoardProfileException>(() =>
            ConsoleDeviceResolver.Resolve(new ConsoleDefinition(dev.Combine("serial0"), null, 115200)));
        Assert.Contains("console UART not found", e.Message);
    }
}
