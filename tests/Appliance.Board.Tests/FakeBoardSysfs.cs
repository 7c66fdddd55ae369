using System.Globalization;

namespace Appliance.Board.Tests;

/// <summary>
/// A fake /sys for one Raspberry Pi model, laid out as that board's kernel lays it out (device
/// numbers differ: the Pi 5's RP1 ADC and fan register hwmons before rpi_volt), plus a fake firmware
/// mailbox for the throttled word, which on hardware comes from /dev/vcio rather than a file.
/// </summary>
internal sealed class FakeBoardSysfs : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _alarm;
    private readonly string _temp;

    public FakeBoardSysfs(string board)
    {
        Board = board;
        Profile = BoardProfile.Load(board, RepoPaths.BoardRoot);
        (string name, string type)[] zones = [("thermal_zone0", "cpu-thermal")];
        string[] hwmons = board switch
        {
            "rpi5" => ["cpu_thermal", "rp1_adc", "pwmfan", "rpi_volt"],
            _ => ["cpu_thermal", "rpi_volt"],
        };
        foreach ((string name, string type) in zones)
            Write(Path.Combine("sys", "class", "thermal", name, "type"), type);
        _temp = Path.Combine("sys", "class", "thermal", "thermal_zone0", "temp");
        _alarm = "";
        for (int i = 0; i < hwmons.Length; i++)
        {
            string dir = Path.Combine("sys", "class", "hwmon", $"hwmon{i}");
            Write(Path.Combine(dir, "name"), hwmons[i]);
            if (hwmons[i] == "rpi_volt") _alarm = Path.Combine(dir, "in0_lcrit_alarm");
            if (hwmons[i] == "cpu_thermal") Write(Path.Combine(dir, "temp1_input"), "48000");
        }
        Mailbox = new FakeMailbox();
        Temperature(48.3);
        UnderVoltageAlarm(false);
    }

    public string Board { get; }
    public BoardProfile Profile { get; }
    public string Root => _dir.Path;
    public FakeMailbox Mailbox { get; }

    public BoardHealthSensors Sensors() => new(Profile.Health, Root, Mailbox);

    public void Temperature(double celsius) => Write(_temp, ((int)Math.Round(celsius * 1000)).ToString(CultureInfo.InvariantCulture));

    public void UnderVoltageAlarm(bool on) => Write(_alarm, on ? "1" : "0");

    public void Write(string relative, string text)
    {
        string path = _dir.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text + "\n");
    }

    public void Delete(string relative) => File.Delete(_dir.Combine(relative));

    public void Dispose() => _dir.Dispose();
}

/// <summary>The firmware's GET_THROTTLED answer, set by the test; or an error, as when /dev/vcio is missing.</summary>
internal sealed class FakeMailbox : IThrottleWordSource
{
    public uint Word { get; set; }
    public string? Error { get; set; }
    public int Reads { get; private set; }

    public string Description => "mailbox (fake)";

    public bool TryRead(out uint word, out string? error)
    {
        Reads++;
        word = Word;
        error = Error;
        return Error is null;
    }
}
