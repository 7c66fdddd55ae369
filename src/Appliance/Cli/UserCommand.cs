using Appliance.Common;
using Appliance.Configuration;
using Microsoft.Extensions.Configuration;

namespace Appliance.Cli;

/// <summary>
/// `appliance user add|del|list [NAME] [--config PATH] [--Appliance:Key=value ...]`: the remote-access users in
/// users.json of the state directory the layered configuration names (as `run` finds it). The password is read from
/// the terminal without echo, asked twice, or as one line from standard input when that is not a terminal; never
/// from the command line, where ps and the shell's history would show it. Only its NT hash is stored. The running
/// service reads the file again at the next login (UserDirectory), so no restart and no message to it is needed.
/// </summary>
public static partial class UserCommand
{
    // RFC 2759 §8.3: NtPasswordHash takes up to 256 Unicode characters.
    private const int MaxPasswordLength = 256;

    public static int Run(string[] args)
    {
        var a = new Arguments(args);
        string configFile = a.Option("--config") ?? StateLayout.DefaultConfigFile;
        string[] rest = a.Remaining;
        string[] words = Array.FindAll(rest, w => !w.StartsWith("--", StringComparison.Ordinal));
        string[] overrides = Array.FindAll(rest, w => w.StartsWith("--", StringComparison.Ordinal));
        foreach (string o in overrides)
            if (!o.StartsWith("--Appliance:", StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"unexpected option '{o}'");
        (string verb, string? name) = words switch
        {
            ["add", var n] => ("add", n),
            ["del", var n] => ("del", n),
            ["list"] => ("list", null),
            _ => throw new UsageException("usage: appliance user add NAME | del NAME | list  [--config PATH]"),
        };

        IConfigurationRoot config;
        try
        {
            config = ConfigurationLoader.Load(configFile, overrides);
        }
        catch (Exception e) when (e is ConfigurationException or InvalidDataException or FormatException or IOException)
        {
            Console.Error.WriteLine($"appliance user: {e.Message}");
            return RunCommand.ExitConfig;
        }
        var store = UserStoreFile.In(new StateLayout(config[$"{ApplianceOptions.SectionName}:StateDirectory"] ?? StateLayout.DefaultStateDirectory));
        var configured = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (IConfigurationSection user in config.GetSection($"{ApplianceOptions.SectionName}:Users").GetChildren())
            configured.Add(user.Key);

        try
        {
            return verb switch
            {
                "add" => Add(store, name!, configured),
                "del" => Delete(store, name!, configured),
                _ => List(store, configured),
            };
        }
        catch (Exception e) when (e is UserStoreException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"appliance user {verb}: {e.Message}");
            return 1;
        }
    }

    private static int Add(UserStoreFile store, string name, HashSet<string> configured)
    {
        if (UserStoreFile.NameProblem(name) is { } problem) throw new UserStoreException(problem);
        // The configuration would win at login (UserDirectory): a second password here would only mislead.
        if (configured.Contains(name))
            throw new UserStoreException($"'{name}' is set in the configuration (Appliance:Users:{name}); change or remove it there");
        store.Read(); // a damaged store is refused before the password is typed
        string? password = ReadPassword(name);
        if (password is null) return 1;
        byte[] hash = Ike.EapUserStore.NtPasswordHash(password);
        try
        {
            bool isNew = store.Add(name, hash);
            Console.WriteLine(isNew ? $"user {name} added to {store.Path}" : $"user {name}: password changed in {store.Path}");
        }
        finally
        {
            Array.Clear(hash);
        }
        return 0;
    }

    private static int Delete(UserStoreFile store, string name, HashSet<string> configured)
    {
        if (UserStoreFile.NameProblem(name) is { } problem) throw new UserStoreException(problem);
        if (store.Remove(name))
        {
            Console.WriteLine($"user {name} deleted from {store.Path}; the next login fails (connected clients stay until they leave or rekey)");
            return 0;
        }
        Console.Error.WriteLine(configured.Contains(name)
            ? $"appliance user del: '{name}' is set in the configuration (Appliance:Users:{name}); remove it there"
            : $"appliance user del: no user '{name}' in {store.Path}");
        return 1;
    }

    private static int List(UserStoreFile store, HashSet<string> configured)
    {
        // Lines sorted as strings (names cannot hold the tab): a sort of tuples would be one more generic instantiation.
        var rows = new List<string>();
        foreach (string name in store.Read().Keys)
            rows.Add($"{name,-24}\t{(configured.Contains(name) ? "users.json (overridden by the configuration)" : "users.json")}");
        foreach (string name in configured)
            rows.Add($"{name,-24}\tconfiguration");
        rows.Sort(StringComparer.OrdinalIgnoreCase);
        foreach (string row in rows)
            Console.WriteLine(row.Replace('\t', ' '));
        if (rows.Count == 0) Console.WriteLine("no remote-access users");
        return 0;
    }

    /// <returns>The password, or null after telling the operator why not.</returns>
    private static string? ReadPassword(string name)
    {
        string? password;
        if (Console.IsInputRedirected)
        {
            password = ReadLine();
            if (password is null)
            {
                Console.Error.WriteLine("appliance user add: no password on standard input");
                return null;
            }
        }
        else
        {
            password = ReadHidden($"Password for {name}: ");
            if (password is null)
            {
                Console.Error.WriteLine("appliance user add: no password; nothing changed");
                return null;
            }
            if (Check(password) is null && ReadHidden("Again: ") != password)
            {
                Console.Error.WriteLine("appliance user add: the passwords differ; nothing changed");
                return null;
            }
        }
        if (Check(password) is { } problem)
        {
            Console.Error.WriteLine($"appliance user add: {problem}; nothing changed");
            return null;
        }
        return password;
    }

    private static string? Check(string password) =>
        password.Length == 0 ? "the password is empty"
        : password.Length > MaxPasswordLength ? $"the password is longer than {MaxPasswordLength} characters (MS-CHAPv2's limit)"
        : null;

    /// <summary>Reads a line from the terminal with its echo off; null on end of input.</summary>
    /// <remarks>
    /// termios directly rather than Console.ReadKey: the kernel's canonical mode still edits the line (backspace, ^U), and
    /// .NET's terminal emulation (terminfo and key decoding, tens of KB of the binary) stays out.
    /// </remarks>
    private static string? ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        Span<byte> saved = stackalloc byte[Termios.Size];
        bool restored = Termios.tcgetattr(0, ref saved[0]) != 0; // not a terminal after all: nothing to restore
        if (!restored)
        {
            Span<byte> quiet = stackalloc byte[Termios.Size];
            saved.CopyTo(quiet);
            uint lflag = BitConverter.ToUInt32(quiet[Termios.LflagOffset..]) & ~Termios.ECHO;
            BitConverter.TryWriteBytes(quiet[Termios.LflagOffset..], lflag);
            _ = Termios.tcsetattr(0, Termios.TCSAFLUSH, ref quiet[0]);
        }
        try
        {
            return ReadLine();
        }
        finally
        {
            if (!restored) _ = Termios.tcsetattr(0, Termios.TCSAFLUSH, ref saved[0]);
            Console.Error.WriteLine();
        }
    }

    /// <summary>One line of standard input as UTF-8 without its line end; null when the input ended before any byte.</summary>
    private static string? ReadLine()
    {
        // File descriptor 0 as a plain stream: Console.OpenStandardInput on a terminal goes through .NET's line editor,
        // which echoes by itself.
        using var input = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 1);
        var bytes = new List<byte>();
        Span<byte> one = stackalloc byte[1];
        while (input.Read(one) == 1)
        {
            if (one[0] == (byte)'\n') return Decode(bytes);
            bytes.Add(one[0]);
        }
        return bytes.Count == 0 ? null : Decode(bytes);
    }

    private static string Decode(List<byte> bytes)
    {
        if (bytes.Count > 0 && bytes[^1] == (byte)'\r') bytes.RemoveAt(bytes.Count - 1);
        string text = System.Text.Encoding.UTF8.GetString([.. bytes]);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
        return text;
    }

    // struct termios of glibc is the same on x86_64 and aarch64: four tcflag_t (c_lflag the fourth), c_line, c_cc[32],
    // two speeds: 60 bytes. ECHO is 0000010 on both.
    private static partial class Termios
    {
        public const int Size = 64, LflagOffset = 12, TCSAFLUSH = 2;
        public const uint ECHO = 0x8;

        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "tcgetattr")]
        public static partial int tcgetattr(int fd, ref byte termios);

        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "tcsetattr")]
        public static partial int tcsetattr(int fd, int optionalActions, ref byte termios);
    }
}
