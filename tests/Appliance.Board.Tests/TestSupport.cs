using System.Device.Gpio;

namespace Appliance.Board.Tests;

internal static class RepoPaths
{
    /// <summary>The repository's board/ folder, found by walking up from the test binary.</summary>
    public static string BoardRoot { get; } = Find();

    private static string Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "board");
            if (File.Exists(Path.Combine(candidate, "simulated", "board.json"))) return candidate;
        }
        throw new InvalidOperationException("board/ not found above " + AppContext.BaseDirectory);
    }
}

internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("brd-test-").FullName;

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A simulated board: profile, simulated driver and controller over it.</summary>
internal sealed class SimulatedBoard : IDisposable
{
    public SimulatedBoard(string name = "simulated")
    {
        Profile = BoardProfile.Load(name, RepoPaths.BoardRoot);
        Driver = new SimulatedGpioDriver();
        Gpio = BoardGpio.Simulate(Driver);
    }

    public BoardProfile Profile { get; }
    public SimulatedGpioDriver Driver { get; }
    public BoardGpio Gpio { get; }
    public GpioController Controller => Gpio.Controller;

    public int ButtonPin => Profile.ResetButton.Pin;

    public void PressButton() => Driver.SetInput(ButtonPin, Profile.ResetButton.ActiveLow ? PinValue.Low : PinValue.High);

    /// <summary>Lets go: the line returns to its pull.</summary>
    public void ReleaseButton() => Driver.SetInput(ButtonPin, null);

    /// <summary>Whether the LED is lit, from the line level and the profile's polarity.</summary>
    public bool IsLit(LedRole role)
    {
        LedDefinition led = Profile.Led(role);
        return (Driver.GetLevel(led.Pin) == PinValue.High) != led.ActiveLow;
    }

    public void Dispose() => Gpio.Dispose();
}
