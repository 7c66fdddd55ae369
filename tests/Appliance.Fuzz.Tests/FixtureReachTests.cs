using Appliance.Fuzz.Harnesses;
using Appliance.Ike;
using Appliance.Ike.Crypto;
using Appliance.Ike.Messages;

namespace Appliance.Fuzz.Tests;

/// <summary>
/// The harnesses are only worth their executions if their fixed state is what they claim: a responder that really
/// establishes from the replayed handshake, and harness-sealed messages that really pass the integrity check.
/// Otherwise the fuzzer would spend its time on the first rejection.
/// </summary>
public class FixtureReachTests
{
    [Fact]
    public void The_replayed_handshake_establishes_the_responder_every_time()
    {
        IkeFixture f = IkeFixture.Instance;
        for (int i = 0; i < 3; i++)
        {
            IkeEngine b = IkeFixture.NewResponder();
            IkeFixture.Deliver(b, f.InitRequest);
            IkeFixture.Deliver(b, f.AuthRequest);
            var events = new List<IkeEvent>();
            while (b.TryDequeueEvent(out IkeEvent e)) events.Add(e);
            Assert.Single(events.OfType<IkeSaEstablished>());
            Assert.Single(events.OfType<ChildSaEstablished>());
        }
    }

    [Fact]
    public void A_harness_sealed_informational_request_is_answered()
    {
        IkeFixture f = IkeFixture.Instance;
        IkeEngine b = f.Responder(2);
        using SkProtection sk = f.Protection();
        byte[] liveness = f.Seal(sk, ExchangeType.Informational, IkeFlags.Initiator, 2, 0, [], 7);
        IkeFixture.Deliver(b, liveness);
        Assert.True(b.TryDequeueOutgoing(out _), "an empty INFORMATIONAL (liveness check) must be answered");
        Assert.Equal(0, b.Counters[IkeCounter.IntegrityCheckFailed]);
    }

    [Fact]
    public void Harness_sealed_fragments_are_reassembled_and_answered()
    {
        IkeFixture f = IkeFixture.Instance;
        IkeEngine b = f.Responder(1);
        using SkProtection sk = f.Protection();
        byte[] plain = f.AuthPlaintext;
        int half = plain.Length / 2;
        IkeFixture.Deliver(b, f.SealFragment(sk, ExchangeType.IkeAuth, IkeFlags.Initiator, 1, (byte)PayloadType.IdentificationInitiator, 1, 2, plain.AsSpan(0, half), 1));
        IkeFixture.Deliver(b, f.SealFragment(sk, ExchangeType.IkeAuth, IkeFlags.Initiator, 1, 0, 2, 2, plain.AsSpan(half), 2));
        var events = new List<IkeEvent>();
        while (b.TryDequeueEvent(out IkeEvent e)) events.Add(e);
        Assert.Single(events.OfType<IkeSaEstablished>());
    }
}
