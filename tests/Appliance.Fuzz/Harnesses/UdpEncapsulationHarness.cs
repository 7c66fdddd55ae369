using Appliance.Ipsec.Esp;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// A datagram on UDP 4500 (RFC 3948 §2.2): keepalive, non-ESP marker + IKE, or ESP, as DataPlane.HandleUdpDatagram
/// splits it; IKE goes to a fresh responder engine, ESP to the ESP harness's tunnel open (raw).
/// </summary>
public sealed class UdpEncapsulationHarness : IHarness
{
    private readonly EspOpenHarness _esp = new();
    public string Name => "udp-encap";
    public string Description => "ESP-in-UDP classification (keepalive / IKE after the non-ESP marker / ESP) and the handler it picks";

    public void Run(ReadOnlySpan<byte> input)
    {
        switch (UdpEncapsulation.Classify(input))
        {
            case UdpEncapsulatedKind.Ike:
                var engine = IkeFixture.NewResponder();
                IkeFixture.Deliver(engine, input[UdpEncapsulation.NonEspMarkerLength..]);
                engine.DrainOutput();
                engine.ThrowOnInternalError(Name);
                return;
            case UdpEncapsulatedKind.Esp:
                _esp.Run([1, 0, .. input]); // GCM-256, raw tunnel open
                return;
        }
    }

    public IEnumerable<byte[]> Seeds()
    {
        yield return [0xff];
        yield return [0, 0, 0, 0, .. IkeFixture.Instance.InitRequest];
        foreach (byte[] esp in _esp.Seeds().Where(s => s[1] == 0))
            yield return esp[2..];
    }
}
