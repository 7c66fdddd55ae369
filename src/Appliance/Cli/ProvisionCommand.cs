using Appliance.Provisioning;

namespace Appliance.Cli;

/// <summary>
/// `appliance provision`: the factory station side. Opens the test station's serial adapter and drives
/// the box through identity, key generation, CSR, certificate, self-test, commit and (optionally) lock.
/// </summary>
public static class ProvisionCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = new Arguments(args);
        string port = a.Required("--port");
        var options = new StationOptions
        {
            ProfilePath = a.Required("--profile"),
            CsrOutDirectory = a.Option("--csr-out"),
            CertificatePath = a.Option("--cert"),
            CaCertificatePath = a.Option("--ca-cert"),
            CsrSubject = a.Option("--subject"),
            KeyAlgorithm = a.Option("--key") ?? DeviceIdentity.EcdsaP256,
            ForceKeygen = a.Flag("--force-keygen"),
            TestLeds = a.Flag("--test-leds"),
            TestButton = a.Flag("--test-button"),
            Lock = a.Flag("--lock"),
        };
        string? baud = a.Option("--baud");
        a.NoneRemaining();

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        using var serial = ProvisioningConsoleService.Open(port, baud is null ? 115200 : int.Parse(baud, System.Globalization.CultureInfo.InvariantCulture));
        return await ProvisioningStation.RunAsync(options, serial.BaseStream, Console.Out, cts.Token);
    }
}
