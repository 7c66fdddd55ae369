using System.Diagnostics;

namespace Appliance.Integration.Tests.Harness;

/// <summary>tshark, the independent verifier: reads a capture with ESP decryption on; key tables come from $HOME.</summary>
public static class Tshark
{
    /// <param name="home">A folder whose .config/wireshark holds esp_sa / ikev2_decryption_table, or null for none.</param>
    public static string Read(string? home, string capture, string filter, params string[] extra)
    {
        var psi = new ProcessStartInfo("tshark") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (home is not null) psi.Environment["HOME"] = home;
        foreach (string a in (string[])["-n", "-r", capture, "-o", "esp.enable_encryption_decode:TRUE", "-Y", filter, .. extra])
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        _ = stderr.Result;
        return stdout;
    }

    /// <summary>Puts the key log's tables where tshark looks for them and returns the HOME to use.</summary>
    public static string HomeWithKeys(string work, string keyLog, params string[] tables)
    {
        string home = Path.Combine(work, "home"), profile = Path.Combine(home, ".config", "wireshark");
        Directory.CreateDirectory(profile);
        foreach (string table in tables) File.Copy(Path.Combine(keyLog, table), Path.Combine(profile, table), overwrite: true);
        return home;
    }
}
