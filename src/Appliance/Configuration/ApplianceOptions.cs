namespace Appliance.Configuration;

/// <summary>The "Appliance" section of the configuration: everything the service reads at start.</summary>
public sealed class ApplianceOptions
{
    public const string SectionName = "Appliance";

    /// <summary>Board profile name: rpi4, rpi5, cm4 or simulated (a folder under the board directory).</summary>
    public string Board { get; set; } = "simulated";

    /// <summary>Where board profiles live; defaults to /usr/share/appliance/board, or ./board next to the binary.</summary>
    public string? BoardDirectory { get; set; }

    public InterfaceOptions Wan { get; set; } = new();
    public InterfaceOptions Lan { get; set; } = new();
    public string StateDirectory { get; set; } = Common.StateLayout.DefaultStateDirectory;

    /// <summary>Folder for Wireshark key files (ikev2_decryption_table, esp_sa). Null: never written.</summary>
    public string? KeyLog { get; set; }

    /// <summary>Unix socket for `appliance status`; default /run/appliance/control.sock.</summary>
    public string? ControlSocket { get; set; }

    public ConsoleOptions Console { get; set; } = new();
    public IkeOptions Ike { get; set; } = new();
    public Dictionary<string, TunnelOptions> Tunnels { get; set; } = new(StringComparer.Ordinal);
}

public sealed class InterfaceOptions
{
    /// <summary>Network interface name, e.g. eth0.</summary>
    public string? Interface { get; set; }

    /// <summary>Address to bind on that interface; default: its first IPv4 address.</summary>
    public string? Address { get; set; }
}

public sealed class ConsoleOptions
{
    /// <summary>Console UART for provisioning; default from the board profile.</summary>
    public string? Device { get; set; }
}

public sealed class IkeOptions
{
    /// <summary>UDP port for IKE (500); tests move it to avoid clashes.</summary>
    public int Port { get; set; } = 500;

    /// <summary>UDP port for NAT traversal (4500).</summary>
    public int NatTraversalPort { get; set; } = 4500;
}

public sealed class TunnelOptions
{
    public string? RemoteAddress { get; set; }
    public string? LocalId { get; set; }
    public string? RemoteId { get; set; }
    public string Auth { get; set; } = "psk";
    public string? Psk { get; set; }
    public string? PskFile { get; set; }
    public List<string> LocalTs { get; set; } = [];
    public List<string> RemoteTs { get; set; } = [];
    public List<string> Ike { get; set; } = [];
    public List<string> Esp { get; set; } = [];
    public List<string> Ah { get; set; } = [];
    public List<string> Bypass { get; set; } = [];
    public string Start { get; set; } = "always";
    public string Mode { get; set; } = "tunnel";
    public string Encapsulation { get; set; } = "auto";
}
