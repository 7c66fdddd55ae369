using Appliance.Linux.Native;

namespace Appliance.Linux.Tests.Unit;

public sealed class ChildProcessTests
{
    [Fact]
    public void Exit_status_is_returned()
    {
        Assert.Equal(0, ChildProcess.Run("true", []));
        Assert.Equal(1, ChildProcess.Run("false", []));
        Assert.Equal(42, ChildProcess.Run("sh", ["-c", "exit 42"]));
    }

    [Fact]
    public void Arguments_and_environment_reach_the_child()
    {
        string file = Path.Combine(Path.GetTempPath(), $"child-{Guid.NewGuid():N}");
        Environment.SetEnvironmentVariable("CHILD_PROCESS_TEST", "from parent");
        try
        {
            Assert.Equal(0, ChildProcess.Run("sh", ["-c", "printf '%s|%s' \"$1\" \"$CHILD_PROCESS_TEST\" > \"$0\"", file, "two words"]));
            Assert.Equal("two words|from parent", File.ReadAllText(file));
        }
        finally
        {
            Environment.SetEnvironmentVariable("CHILD_PROCESS_TEST", null);
            File.Delete(file);
        }
    }

    [Fact]
    public void A_signal_is_reported_as_128_plus_its_number()
    {
        Assert.Equal(128 + 9, ChildProcess.Run("sh", ["-c", "kill -9 $$"]));
    }

    [Fact]
    public void A_missing_program_is_an_IOException_naming_it()
    {
        var e = Assert.Throws<IOException>(() => ChildProcess.Run("no-such-program-here", []));
        Assert.Contains("no-such-program-here", e.Message);
    }
}
