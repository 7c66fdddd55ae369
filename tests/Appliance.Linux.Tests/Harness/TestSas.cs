using System.Net;
using Appliance.Ipsec;

namespace Appliance.Linux.Tests.Harness;

/// <summary>Hand-made SA pairs (what IKE would install) for the two boxes of <see cref="BoxTopology"/>.</summary>
internal static class TestSas
{
    public const uint SpiAToB = 0x0A0B0001, SpiBToA = 0x0B0A0001;

    /// <summary>(boxA's install, boxB's install) for one suite: A's outbound is B's inbound and vice versa.</summary>
    public static (SaInstall A, SaInstall B) Pair(int encr = 20, int keyBits = 128, int integ = 0, bool esn = false,
        uint spiAToB = SpiAToB, uint spiBToA = SpiBToA, bool udp = false, SaProtocol protocol = SaProtocol.Esp, IpsecMode mode = IpsecMode.Tunnel)
    {
        byte[] encAB = Key(EncLength(encr, keyBits), 0x10), encBA = Key(EncLength(encr, keyBits), 0x50);
        byte[] intAB = Key(IntegLength(integ), 0x90), intBA = Key(IntegLength(integ), 0xD0);
        // Transport mode protects the boxes' own traffic: the selectors are their WAN addresses.
        bool transport = mode == IpsecMode.Transport;
        IPNetwork wanA = new(BoxTopology.WanA, 32), wanB = new(BoxTopology.WanB, 32);
        var a = new SaInstall("b", spiBToA, spiAToB, mode, protocol, encr, keyBits, integ,
            encBA, intBA, encAB, intAB, esn, [transport ? wanA : BoxTopology.LanA], [transport ? wanB : BoxTopology.LanB], udp,
            new IPEndPoint(BoxTopology.WanA, udp ? 4500 : 0), new IPEndPoint(BoxTopology.WanB, udp ? 4500 : 0));
        var b = new SaInstall("a", spiAToB, spiBToA, mode, protocol, encr, keyBits, integ,
            encAB, intAB, encBA, intBA, esn, [transport ? wanB : BoxTopology.LanB], [transport ? wanA : BoxTopology.LanA], udp,
            new IPEndPoint(BoxTopology.WanB, udp ? 4500 : 0), new IPEndPoint(BoxTopology.WanA, udp ? 4500 : 0));
        return (a, b);
    }

    private static int EncLength(int encr, int keyBits) => encr switch
    {
        0 => 0,
        20 => keyBits / 8 + 4,
        28 => 36,
        _ => keyBits / 8,
    };

    private static int IntegLength(int integ) => integ switch { 2 => 20, 12 => 32, 13 => 48, 14 => 64, _ => 0 };

    private static byte[] Key(int length, byte start)
    {
        var key = new byte[length];
        for (int i = 0; i < length; i++) key[i] = (byte)(start + i);
        return key;
    }
}
