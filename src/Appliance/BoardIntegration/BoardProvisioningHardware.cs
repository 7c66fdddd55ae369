using System.Device.Gpio;
using System.Net.NetworkInformation;
using Appliance.Board;
using Appliance.Cli;
using Appliance.Provisioning;

namespace Appliance.BoardIntegration;

/// <summary>What provisioning needs from the board: identity facts, an LED walk, the button, the self-test.</summary>
public sealed class BoardProvisioningHardware(BoardProfile profile, BoardGpio gpio, ResetButtonService button) : IProvisioningHardware
{
    public string SerialNumber { get; } = ReadSerialNumber();
    public string BoardName => profile.Name;

    public IReadOnlyList<(string Nic, string Mac)> Macs =>
        [.. NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .Select(n => (n.Name, string.Join(':', n.GetPhysicalAddress().GetAddressBytes().Select(b => b.ToString("x2")))))];

    public async Task WalkLedsAsync(CancellationToken cancellationToken)
    {
        // The LED service re-asserts its pattern on its next change; a walk is a brief override.
        foreach (var led in profile.Leds)
        {
            Write(led, on: true);
            await Task.Delay(400, cancellationToken);
            Write(led, on: false);
        }
    }

    public async Task<bool> WaitForButtonAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnPress(object? sender, EventArgs e) => pressed.TrySetResult();
        button.ShortPress += OnPress;
        try
        {
            var done = await Task.WhenAny(pressed.Task, Task.Delay(timeout, cancellationToken));
            return done == pressed.Task;
        }
        finally { button.ShortPress -= OnPress; }
    }

    public IReadOnlyList<(string Name, bool Passed)> RunCryptoSelfTest() => [.. SelfTestCommand.Results()];

    private void Write(LedDefinition led, bool on) =>
        gpio.Controller.Write(led.Pin, on ^ led.ActiveLow ? PinValue.High : PinValue.Low);

    private static string ReadSerialNumber()
    {
        // Raspberry Pi firmware exposes the SoC serial in the device tree; elsewhere the machine id stands in.
        foreach (string path in (string[])["/sys/firmware/devicetree/base/serial-number", "/proc/device-tree/serial-number"])
        {
            try
            {
                string s = File.ReadAllText(path).Trim('\0', ' ', '\n');
                if (s.Length > 0) return s.TrimStart('0') is { Length: > 0 } t ? t : s;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        try { return File.ReadAllText("/etc/machine-id").Trim()[..16]; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException) { return "UNKNOWN"; }
    }
}
