namespace Appliance.Ike.Tests.Engine;

/// <summary>Mutated real messages must be dropped and counted, never throw, and never break the engine.</summary>
public class FuzzTests
{
    private static List<(bool FromA, OutgoingDatagram Datagram)> RecordConversation(string ike)
    {
        var peers = TestPeers.Standard(ike: ike, esp: "aes128-sha256");
        peers.A.Initiate("to-b");
        peers.Pump();
        peers.A.CheckLiveness("to-b");
        peers.Pump();
        peers.A.Terminate("to-b");
        peers.Pump();
        Assert.Equal(8, peers.Delivered.Count);
        return peers.Delivered;
    }

    private static IEnumerable<byte[]> Mutations(byte[] message, Random random)
    {
        for (int length = 0; length < message.Length; length += Math.Max(1, message.Length / 40))
            yield return message[..length];                                   // truncated
        yield return [.. message, .. new byte[random.Next(1, 64)]];           // trailing garbage
        byte[] huge = new byte[message.Length + 70000];
        message.CopyTo(huge, 0);
        yield return huge;                                                    // oversized
        for (int i = 0; i < 300; i++)
        {
            byte[] flipped = (byte[])message.Clone();
            int flips = 1 + random.Next(3);
            for (int f = 0; f < flips; f++)
                flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
            yield return flipped;                                             // bit flips
        }
        for (int i = 0; i < 50; i++)
        {
            byte[] lengths = (byte[])message.Clone();
            int at = 28 + random.Next(Math.Max(1, lengths.Length - 28));
            if (at + 1 < lengths.Length)
            {
                lengths[at] = (byte)random.Next(256);                       // random field bytes past the header
                lengths[at + 1] = (byte)random.Next(256);
            }
            yield return lengths;
        }
    }

    [Theory]
    [InlineData("aes256gcm16-prfsha256-curve25519")]
    [InlineData("aes128-sha256-modp2048")]
    public void Mutated_messages_are_counted_drops_and_the_engines_still_work(string ike)
    {
        var conversation = RecordConversation(ike);
        var random = new Random(42);
        var target = TestPeers.Standard(ike: ike, esp: "aes128-sha256");
        target.A.Initiate("to-b");
        target.Pump();
        long before = Drops(target.A) + Drops(target.B);
        int fed = 0;
        foreach ((bool fromA, OutgoingDatagram d) in conversation)
        {
            foreach (byte[] mutated in Mutations(d.Payload, random))
            {
                IkeEngine receiver = fromA ? target.B : target.A;
                receiver.HandleDatagram(d.Remote, d.Local, mutated); // must not throw
                fed++;
                while (receiver.TryDequeueOutgoing(out _)) { }
            }
        }
        target.Collect();
        long after = Drops(target.A) + Drops(target.B);
        Assert.True(after - before > fed / 2, $"{after - before} drops counted for {fed} mutated messages");
        Assert.Empty(target.EventsA.OfType<IkeSaDeleted>());

        // The SA the mutations were thrown at is still usable: a liveness check goes through.
        target.Delivered.Clear();
        target.A.CheckLiveness("to-b");
        target.Pump();
        Assert.Equal(2, target.Delivered.Count);
        target.Drop = null;
        target.A.Terminate("to-b");
        target.Pump();
        target.Single<IkeSaDeleted>(target.EventsB);
    }

    private static long Drops(IkeEngine e) =>
        e.Counters[IkeCounter.Malformed] + e.Counters[IkeCounter.UnknownSpi] + e.Counters[IkeCounter.InvalidMessageId]
        + e.Counters[IkeCounter.IntegrityCheckFailed] + e.Counters[IkeCounter.InvalidMajorVersion]
        + e.Counters[IkeCounter.UnsupportedCriticalPayload] + e.Counters[IkeCounter.UnexpectedExchange]
        + e.Counters[IkeCounter.InvalidSyntax] + e.Counters[IkeCounter.CachedResponsesSent] + e.Counters[IkeCounter.NoProposalChosen]
        + e.Counters[IkeCounter.InvalidKePayload] + e.Counters[IkeCounter.FragmentDropped];
}
