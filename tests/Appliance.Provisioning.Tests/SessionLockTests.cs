namespace Appliance.Provisioning.Tests;

public class SessionLockTests
{
    private static readonly string[] EveryOtherCommand =
    [
        "HELP", "GET Appliance:Board", "SET Appliance:Board x", "UNSET Appliance:Board", "COMMIT", "ABORT",
        "KEYGEN --force", "CSR CN=x", "CERT", "CACERT", "TEST LEDS", "TEST BUTTON", "TEST CRYPTO", "LOCK",
    ];

    [Fact]
    public async Task AfterLock_OnlyHelloAndInfoWork_AlsoAfterRestart()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        await SessionSettingsTests.StageHqAsync(session);
        Assert.Equal("ERR 409 uncommitted changes: COMMIT or ABORT first", await session.SendAsync("LOCK"));
        await session.SendAsync("COMMIT");
        Assert.Equal("OK locked", await session.SendAsync("LOCK"));
        Assert.True(File.Exists(box.Layout.ProvisioningLock));

        foreach (ProvisioningSession s in new[] { session, box.NewSession() })
        {
            Assert.True(s.IsLocked);
            foreach (string command in EveryOtherCommand)
                Assert.Equal("ERR 423 locked", await s.SendAsync(command));
            Assert.StartsWith("OK APPLIANCE-PROVISION 1 ", await s.SendAsync("HELLO"));
            Assert.Contains("locked: yes", await s.HandleLineAsync("INFO"));
        }
        Assert.False(ProvisioningGate.ShouldOwnConsole(box.Store.IsLocked, provisioningMode: false));
    }

    [Fact]
    public async Task ButtonHeldAtBoot_ReopensProvisioning()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        await session.SendAsync("KEYGEN");
        await session.SendAsync("LOCK");

        Assert.True(ProvisioningGate.ShouldOwnConsole(box.Store.IsLocked, provisioningMode: true));
        var reopened = box.NewSession(provisioningMode: true);
        Assert.False(reopened.IsLocked);
        IReadOnlyList<string> info = await reopened.HandleLineAsync("INFO");
        Assert.Contains("locked: yes", info);
        Assert.Contains("provisioning-mode: yes", info);
        Assert.Equal("OK staged Appliance:Board", await reopened.SendAsync("SET Appliance:Board simulated"));
        Assert.StartsWith("OK key", await reopened.SendAsync("KEYGEN --force"));
        Assert.Equal("OK aborted 1 change(s)", await reopened.SendAsync("ABORT"));
        Assert.Equal("OK locked", await reopened.SendAsync("LOCK"));
        Assert.Equal("ERR 423 locked", await reopened.SendAsync("SET Appliance:Board simulated"));
    }

    [Fact]
    public async Task Tests_ReachTheHardware()
    {
        using var box = new TestBox();
        var session = box.NewSession();
        Assert.Equal("OK LEDS walked", await session.SendAsync("TEST LEDS"));
        Assert.Equal(1, box.Hardware.LedWalks);
        Assert.Equal("OK BUTTON pressed", await session.SendAsync("TEST BUTTON"));
        Assert.Equal(TimeSpan.FromSeconds(30), box.Hardware.LastButtonTimeout);
        box.Hardware.ButtonPressed = false;
        Assert.Equal("ERR 408 button not pressed within 30 s", await session.SendAsync("TEST BUTTON"));

        IReadOnlyList<string> crypto = await session.HandleLineAsync("TEST CRYPTO");
        Assert.Equal(["crypto aes-256-gcm: pass", "crypto chacha20-poly1305: pass", "OK CRYPTO 2 passed"], crypto);
        box.Hardware.CryptoResults = [("aes-256-gcm", true), ("chacha20-poly1305", false)];
        Assert.Equal("ERR 500 CRYPTO 1 of 2 failed", (await session.HandleLineAsync("TEST CRYPTO"))[^1]);
        Assert.Equal("ERR 400 usage: TEST LEDS|BUTTON|CRYPTO", await session.SendAsync("TEST FAN"));
    }

    [Fact]
    public async Task Info_ReportsIdentity()
    {
        using var box = new TestBox();
        IReadOnlyList<string> info = await box.NewSession().HandleLineAsync("INFO");
        Assert.Equal(
        [
            "serial-number: APL-0001", "board: simulated", "firmware: 0.1.0",
            "mac: wan0 02:00:00:00:00:01", "mac: lan0 02:00:00:00:00:02",
            "key: none", "certificate: none", "ca-certificate: none", "factory-configuration: none",
            "pending-changes: 0", "locked: no", "provisioning-mode: no", "OK INFO",
        ], info);
    }
}
