namespace Appliance.Board.Tests;

public class SysfsValuesTests
{
    [Theory]
    [InlineData("48312\n", 48.312)]
    [InlineData("85000", 85.0)]
    [InlineData("-5000\n", -5.0)]
    [InlineData("0\n", 0.0)]
    public void Thermal_zone_temp_is_millidegrees(string text, double celsius)
    {
        Assert.True(SysfsValues.TryParseMillidegrees(text, out double value, out string? error), error);
        Assert.Equal(celsius, value, 3);
    }

    [Theory]
    [InlineData("", "not a temperature")]
    [InlineData("48.3\n", "not a temperature")]
    [InlineData("abc", "not a temperature")]
    [InlineData("999999999999", "not a temperature")]
    [InlineData("250000", "broken sensor")]
    [InlineData("-273000", "broken sensor")]
    public void Garbled_or_impossible_temperatures_are_refused_with_a_reason(string text, string reason)
    {
        Assert.False(SysfsValues.TryParseMillidegrees(text, out _, out string? error));
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData("0\n", false)]
    [InlineData("1\n", true)]
    [InlineData("1", true)]
    public void Hwmon_alarm_is_zero_or_one(string text, bool expected)
    {
        Assert.True(SysfsValues.TryParseAlarm(text, out bool alarm, out _));
        Assert.Equal(expected, alarm);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("")]
    [InlineData("yes")]
    public void Other_alarm_values_are_refused(string text)
    {
        Assert.False(SysfsValues.TryParseAlarm(text, out _, out string? error));
        Assert.Contains("not an alarm value", error);
    }

    [Theory]
    [InlineData("50005\n", 0x50005u)]
    [InlineData("0\n", 0u)]
    [InlineData("0x80008", 0x80008u)]
    [InlineData("e000e\n", 0xE000Eu)]
    [InlineData("ffffffff", 0xFFFFFFFFu)]
    public void Throttled_word_is_hex(string text, uint expected)
    {
        Assert.True(SysfsValues.TryParseThrottledWord(text, out uint word, out _));
        Assert.Equal(expected, word);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0x")]
    [InlineData("throttled=0x5")]
    [InlineData("123456789")]
    [InlineData("-1")]
    public void Other_throttled_words_are_refused(string text)
    {
        Assert.False(SysfsValues.TryParseThrottledWord(text, out _, out string? error));
        Assert.Contains("not a hexadecimal throttled word", error);
    }

    [Fact]
    public void Error_text_shows_at_most_32_printable_characters()
    {
        Assert.False(SysfsValues.TryParseThrottledWord("\u0001" + new string('z', 100), out _, out string? error));
        Assert.Contains("'?zzzz", error);
        Assert.Contains("…", error);
        Assert.DoesNotContain(new string('z', 40), error);
    }

    [Fact]
    public void Firmware_word_bits_map_to_flags_now_and_occurred()
    {
        Assert.Equal(BoardHealthFlags.UnderVoltage | BoardHealthFlags.Throttled, BoardHealthFlagNames.FirmwareNow(0x50005));
        Assert.Equal(BoardHealthFlags.UnderVoltage | BoardHealthFlags.Throttled, BoardHealthFlagNames.FirmwareOccurred(0x50005));
        Assert.Equal(BoardHealthFlags.None, BoardHealthFlagNames.FirmwareNow(0x50000));
        Assert.Equal(BoardHealthFlags.SoftTemperatureLimit, BoardHealthFlagNames.FirmwareOccurred(0x80000));
        Assert.Equal(BoardHealthFlags.FrequencyCapped, BoardHealthFlagNames.FirmwareNow(0x2));
        // Bits outside 0-3 and 16-19 (e.g. Pi 5 firmware's reserved ones) are ignored, not misread.
        Assert.Equal(BoardHealthFlags.None, BoardHealthFlagNames.FirmwareNow(0xFFF0_FFF0));
        Assert.Equal(["under-voltage", "throttled", "hot"], BoardHealthFlagNames.Names(BoardHealthFlags.Hot | BoardHealthFlags.Throttled | BoardHealthFlags.UnderVoltage));
    }
}
