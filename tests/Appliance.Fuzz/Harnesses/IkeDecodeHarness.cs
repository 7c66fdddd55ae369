using Appliance.Ike.Messages;

namespace Appliance.Fuzz.Harnesses;

/// <summary>
/// A datagram on UDP 500 before any SA exists: the message decoder (header, payload chain, every payload's body), then
/// a fresh responder engine (IKE_SA_INIT request handling: proposals, KE, cookies, notifies, unknown critical payloads).
/// </summary>
public sealed class IkeDecodeHarness : IHarness
{
    public string Name => "ike-decode";
    public string Description => "IKE message decode + a fresh responder's IKE_SA_INIT handling";

    public void Run(ReadOnlySpan<byte> input)
    {
        DecodeResult result = PayloadCodec.TryDecodeMessage(input, out DecodedMessage? message);
        if (result.IsOk != message is not null)
            throw new FuzzFindingException($"decode said {result.Status} but the message is {(message is null ? "null" : "set")}");
        var engine = IkeFixture.NewResponder();
        IkeFixture.Deliver(engine, input);
        engine.DrainOutput();
        engine.ThrowOnInternalError(Name);
    }

    public IEnumerable<byte[]> Seeds() => [IkeFixture.Instance.InitRequest, IkeFixture.Instance.AuthRequest];
}
