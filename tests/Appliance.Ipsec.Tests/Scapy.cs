using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Appliance.Ipsec.Tests;

/// <summary>
/// Runs scapy (Debian python3-scapy, installed by tools/install-deps.sh) as an independent
/// implementation of ESP and AH. Requests go in as JSON on stdin, the resulting packet comes back as hex.
/// </summary>
internal static class Scapy
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
import sys, json
from scapy.all import IP, IPv6, raw
from scapy.layers.ipsec import SecurityAssociation, AH, ESP

req = json.loads(sys.stdin.read())
def pkt(hexstr):
    b = bytes.fromhex(hexstr)
    return IP(b) if b[0] >> 4 == 4 else IPv6(b)
tunnel = None
if req.get("tunnel_src"):
    if ":" in req["tunnel_src"]:
        tunnel = IPv6(src=req["tunnel_src"], dst=req["tunnel_dst"])
    else:
        tunnel = IP(src=req["tunnel_src"], dst=req["tunnel_dst"], id=req.get("outer_id", 1), ttl=64)
kw = dict(spi=req["spi"], tunnel_header=tunnel, esn_en=req.get("esn", False), esn=req.get("esn_high", 0))
if req["proto"] == "AH":
    sa = SecurityAssociation(AH, auth_algo=req["auth_algo"], auth_key=bytes.fromhex(req["auth_key"]), **kw)
else:
    sa = SecurityAssociation(ESP, crypt_algo=req["crypt_algo"], crypt_key=bytes.fromhex(req["crypt_key"]),
                             auth_algo=req.get("auth_algo"), auth_key=bytes.fromhex(req["auth_key"]) if req.get("auth_key") else None, **kw)
if req["op"] == "encrypt":
    out = sa.encrypt(pkt(req["packet"]), seq_num=req["seq"])
else:
    out = sa.decrypt(pkt(req["packet"]))
print(raw(out).hex())
""";

    public static bool Available => File.Exists(Python);

    public static byte[] Run(JsonObject request)
    {
        string scriptPath = Path.Combine(Path.GetTempPath(), "appliance-ipsec-scapy.py");
        File.WriteAllText(scriptPath, Script);
        var start = new ProcessStartInfo(Python, [scriptPath])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        process.StandardInput.Write(request.ToJsonString());
        process.StandardInput.Close();
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "scapy timed out");
        Assert.True(process.ExitCode == 0, $"scapy failed: {error}");
        return Hex.Parse(output.Trim());
    }
}
