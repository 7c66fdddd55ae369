using Appliance.Ike.Eap;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Appliance.Ike.Tests.Engine;

namespace Appliance.Ike.Tests.Eap;

/// <summary>Random and mutated input to the EAP and CP parsers and state machines: a clear failure, never an exception.</summary>
public class EapFuzzTests
{
    [Fact]
    public void Server_and_client_survive_random_and_mutated_packets()
    {
        var random = new Random(15);
        byte[]? Hash(string user) => user == "alice" ? MsChapV2.NtPasswordHash("pw") : null;
        for (int i = 0; i < 20_000; i++)
        {
            var server = new EapMsChapV2Server(new SeededRandom(i), Hash, "box");
            var client = new EapMsChapV2Client(new SeededRandom(i + 1), "alice", MsChapV2.NtPasswordHash("pw"));
            byte[] toClient = server.Start();
            for (int round = 0; round < 4; round++)
            {
                EapStep c = client.Process(Mutate(random, toClient));
                if (c.Reply is null) break;
                EapStep s = server.Process(Mutate(random, c.Reply));
                if (s.Outcome == EapOutcome.Failure) Assert.NotNull(s.Failure);
                if (s.Reply is null) break;
                toClient = s.Reply;
            }
            // Pure noise too.
            var noise = new byte[random.Next(0, 80)];
            random.NextBytes(noise);
            server.Process(noise);
            client.Process(noise);
        }
    }

    [Fact]
    public void Cp_parsing_and_reading_survive_random_bodies()
    {
        var random = new Random(16);
        for (int i = 0; i < 20_000; i++)
        {
            var body = new byte[random.Next(0, 64)];
            random.NextBytes(body);
            ConfigurationPayload cp;
            try { cp = ConfigurationPayload.Read(body); }
            catch (MalformedMessageException) { continue; }
            _ = ConfigurationAttributes.ReadRequest(cp);
            _ = ConfigurationAttributes.ReadReply(cp);
        }
    }

    /// <summary>Half the time the packet as is; otherwise a flipped byte, a cut or an extension.</summary>
    private static byte[] Mutate(Random random, byte[] packet)
    {
        if (random.Next(2) == 0 || packet.Length == 0) return packet;
        byte[] copy = packet.ToArray();
        switch (random.Next(3))
        {
            case 0:
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return copy;
            case 1:
                return copy[..random.Next(copy.Length)];
            default:
                return [.. copy, (byte)random.Next(256)];
        }
    }
}
