using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Appliance.Common;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

/// <summary>
/// Appends IKE and ESP keys in Wireshark's UAT formats (ikev2_decryption_table, esp_sa), as strongSwan's
/// save-keys plugin does, so a capture can be decrypted while debugging. Off unless KeyLog is set;
/// files are 0600 and the service warns at start that keys are being written.
/// </summary>
public sealed class KeyLogWriter
{
    private readonly string _directory;
    private readonly object _gate = new();

    public KeyLogWriter(string directory, ILogger logger)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        logger.LogWarning("KeyLog is on: IKE and ESP keys are written to {Directory}. Turn it off after debugging", directory);
    }

    public string IkeFile => Path.Combine(_directory, "ikev2_decryption_table");
    public string EspFile => Path.Combine(_directory, "esp_sa");

    public void Write(IkeSaKeyInfo k)
    {
        string line = string.Join(',',
            k.InitiatorSpi.ToString("x16", CultureInfo.InvariantCulture),
            k.ResponderSpi.ToString("x16", CultureInfo.InvariantCulture),
            Hex(k.SkEi), Hex(k.SkEr),
            Quote(IkeEncryptionName(k.EncryptionTransformId, k.EncryptionKeyBits)),
            Hex(k.SkAi), Hex(k.SkAr),
            Quote(IntegrityName(k.IntegrityTransformId, ike: true)));
        Append(IkeFile, line);
    }

    public void Write(ChildSaInfo c)
    {
        // AH (RFC 4302) encrypts nothing, so Wireshark reads it without keys; esp_sa describes ESP SAs only.
        if (c.Protocol == Messages.ProtocolId.Ah)
            return;
        // One line per direction: outbound local→remote with the outbound SPI, inbound the reverse.
        Append(EspFile, EspLine(c, c.LocalEndpoint.Address.ToString(), c.RemoteEndpoint.Address.ToString(), c.OutboundSpi, c.Outbound));
        Append(EspFile, EspLine(c, c.RemoteEndpoint.Address.ToString(), c.LocalEndpoint.Address.ToString(), c.InboundSpi, c.Inbound));
    }

    private static string EspLine(ChildSaInfo c, string src, string dst, uint spi, ChildSaKeys keys)
    {
        string family = c.LocalEndpoint.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
        bool aead = c.IntegrityTransformId == 0;
        // Wireshark wants the AEAD key with its salt appended, as in the KEYMAT (RFC 4106 §8.1).
        byte[] encKey = aead ? [.. keys.EncryptionKey, .. keys.Salt] : keys.EncryptionKey;
        return string.Join(',',
            Quote(family), Quote(src), Quote(dst),
            Quote("0x" + spi.ToString("x8", CultureInfo.InvariantCulture)),
            Quote(EspEncryptionName(c.EncryptionTransformId, c.EncryptionKeyBits)),
            Quote("0x" + Convert.ToHexStringLower(encKey)),
            Quote(aead ? "NULL" : IntegrityName(c.IntegrityTransformId, ike: false)),
            Quote(aead ? "" : "0x" + Convert.ToHexStringLower(keys.IntegrityKey)));
    }

    private void Append(string path, string line)
    {
        lock (_gate)
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.Append,
                Access = FileAccess.Write,
                UnixCreateMode = AtomicFile.SecretMode,
            };
            using var stream = new FileStream(path, options);
            File.SetUnixFileMode(stream.SafeFileHandle, AtomicFile.SecretMode);
            stream.Write(Encoding.ASCII.GetBytes(line + "\n"));
        }
    }

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);
    private static string Quote(string s) => "\"" + s + "\"";

    // Names exactly as Wireshark 4.0's UAT enumerations spell them.
    private static string IkeEncryptionName(ushort id, int bits) => id switch
    {
        12 => $"AES-CBC-{bits} [RFC3602]",
        20 => $"AES-GCM-{bits} with 16 octet ICV [RFC5282]",
        28 => "ChaCha20/Poly1305", // not decodable by Wireshark 4.0's IKEv2 dissector
        _ => "NULL [RFC2410]",
    };

    private static string EspEncryptionName(ushort id, int bits) => id switch
    {
        12 => "AES-CBC [RFC3602]",
        20 => "AES-GCM with 16 octet ICV [RFC4106]",
        28 => "ChaCha20/Poly1305", // not decodable by Wireshark 4.0's ESP dissector
        _ => "NULL",
    };

    private static string IntegrityName(ushort id, bool ike) => (id, ike) switch
    {
        (12, true) => "HMAC_SHA2_256_128 [RFC4868]",
        (13, true) => "HMAC_SHA2_384_192 [RFC4868]",
        (14, true) => "HMAC_SHA2_512_256 [RFC4868]",
        (12, false) => "HMAC-SHA-256-128 [RFC4868]",
        (13, false) => "HMAC-SHA-384-192 [RFC4868]",
        (14, false) => "HMAC-SHA-512-256 [RFC4868]",
        _ => ike ? "NONE [RFC4306]" : "NULL",
    };
}
