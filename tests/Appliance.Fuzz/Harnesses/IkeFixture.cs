using System.Buffers.Binary;
using System.Net;
using System.Text;
using Appliance.Ike;
using Appliance.Ike.Crypto;
using Appliance.Ike.Messages;

namespace Appliance.Fuzz.Harnesses;

/// <summary>Deterministic randomness: the same seed gives the same SPIs, nonces and DH keys on every run.</summary>
internal sealed class SeededRandom(int seed) : IIkeRandom
{
    private readonly Random _random = new(seed);
    public void Fill(Span<byte> buffer) => _random.NextBytes(buffer);
}

/// <summary>A clock that never moves: one execution must behave like the next.</summary>
internal sealed class FixedTime : TimeProvider
{
    public static readonly FixedTime Instance = new();
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    public override DateTimeOffset GetUtcNow() => Now;
    public override long GetTimestamp() => 0;
}

/// <summary>
/// A fixed IKE SA for the harnesses that must get past the integrity check. Once per process a real initiator A and
/// responder B (seeded randomness) run IKE_SA_INIT + IKE_AUTH; A's two requests and its SK keys are kept. Each
/// execution then builds a fresh B with the same seed and replays A's requests, so B is in the same state every time
/// (half-open after INIT, or established after AUTH), and the harness seals the fuzzer's bytes with A's keys. That is
/// how the fuzzer gets past the ICV: the harness owns the keys; the product has no switch to skip the check.
/// </summary>
internal sealed class IkeFixture
{
    public static readonly IPEndPoint AddressA = new(IPAddress.Parse("192.0.2.1"), 500);
    public static readonly IPEndPoint AddressB = new(IPAddress.Parse("198.51.100.2"), 500);
    private const int SeedB = 1001;

    private static readonly Lazy<IkeFixture> Shared = new(() => new IkeFixture());
    public static IkeFixture Instance => Shared.Value;

    public byte[] InitRequest { get; }
    public byte[] AuthRequest { get; }
    public IkeSaKeyInfo Keys { get; }
    /// <summary>Inner payload chain (plaintext) of A's IKE_AUTH and a CREATE_CHILD_SA and INFORMATIONAL: seeds.</summary>
    public byte[] AuthPlaintext { get; }
    /// <summary>B's inbound ESP SPI of the Child SA the fixture's IKE_AUTH creates (rekey and delete seeds name it).</summary>
    public uint ChildSpiB { get; }

    private IkeFixture()
    {
        var a = new IkeEngine(FixedTime.Instance, new SeededRandom(1));
        IkeEngine b = NewResponder();
        a.AddTunnel(Tunnel("to-b", AddressA.Address, AddressB.Address, "a.example.com", "b.example.com", "10.1.0.0/16", "10.2.0.0/16"));
        a.Initiate("to-b");
        var fromA = new List<byte[]>();
        for (int round = 0; round < 10; round++)
        {
            bool moved = false;
            while (a.TryDequeueOutgoing(out OutgoingDatagram d)) { fromA.Add(d.Payload); b.HandleDatagram(d.Remote, d.Local, d.Payload); moved = true; }
            while (b.TryDequeueOutgoing(out OutgoingDatagram d)) { a.HandleDatagram(d.Remote, d.Local, d.Payload); moved = true; }
            if (!moved) break;
        }
        IkeSaEstablished? established = null;
        while (a.TryDequeueEvent(out IkeEvent e))
            if (e is IkeSaEstablished s) established = s;
        while (b.TryDequeueEvent(out IkeEvent e))
            if (e is ChildSaEstablished c) ChildSpiB = c.Child.InboundSpi;
        if (established is null || fromA.Count != 2 || ChildSpiB == 0)
            throw new InvalidOperationException($"fixture handshake failed ({fromA.Count} requests from A)");
        InitRequest = fromA[0];
        AuthRequest = fromA[1];
        Keys = established.Keys;
        using SkProtection sk = Protection();
        AuthPlaintext = Unseal(sk, AuthRequest);
    }

    public static IkeEngine NewResponder()
    {
        var b = new IkeEngine(FixedTime.Instance, new SeededRandom(SeedB));
        b.AddTunnel(Tunnel("to-a", AddressB.Address, null, "b.example.com", "a.example.com", "10.2.0.0/16", "10.1.0.0/16"));
        return b;
    }

    private static IkeTunnelConfig Tunnel(string name, IPAddress local, IPAddress? remote, string localId, string remoteId, string localTs, string remoteTs) =>
        new(name, local, remote, IkeIdentity.Parse(localId), IkeIdentity.Parse(remoteId), Encoding.UTF8.GetBytes("fuzzing is not a secret"),
            [TrafficSelector.Parse(localTs)], [TrafficSelector.Parse(remoteTs)], ["aes256gcm16-prfsha256-curve25519"], ["aes256gcm16"],
            StartAction.None, IpsecMode.Tunnel, false);

    /// <summary>A responder in the given phase: 0 fresh, 1 after IKE_SA_INIT (half-open), 2 established.</summary>
    public IkeEngine Responder(int phase)
    {
        IkeEngine b = NewResponder();
        if (phase >= 1) Deliver(b, InitRequest);
        if (phase >= 2) Deliver(b, AuthRequest);
        b.DrainOutput();
        return b;
    }

    public static void Deliver(IkeEngine b, ReadOnlySpan<byte> datagram) => b.HandleDatagram(AddressB, AddressA, datagram);

    /// <summary>A's SK protection (it sends with SK_ei/SK_ai).</summary>
    public SkProtection Protection() =>
        SkProtection.Create((EncryptionAlgorithm)Keys.EncryptionTransformId, Keys.EncryptionKeyBits, (IntegrityAlgorithm)Keys.IntegrityTransformId, Keys.SkEi, Keys.SkAi);

    /// <summary>An SK message from A: header fields as given, the plaintext chain encrypted and authenticated.</summary>
    public byte[] Seal(SkProtection sk, ExchangeType exchange, IkeFlags flags, uint messageId, byte firstInner, ReadOnlySpan<byte> plain, ulong ivCounter)
    {
        int length = IkeHeader.Size + PayloadCodec.GenericHeaderSize + sk.GetProtectedLength(plain.Length);
        var m = new byte[length];
        WriteHeader(m, exchange, flags, messageId, PayloadType.EncryptedAndAuthenticated, length);
        m[28] = firstInner;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(30), (ushort)(length - IkeHeader.Size));
        sk.Protect(m.AsSpan(0, 32), plain, Iv(sk, ivCounter), m.AsSpan(32));
        return m;
    }

    /// <summary>An SKF fragment from A (RFC 7383 §2.5): the AAD is everything before the IV, numbers included.</summary>
    public byte[] SealFragment(SkProtection sk, ExchangeType exchange, IkeFlags flags, uint messageId, byte firstInner,
        ushort number, ushort total, ReadOnlySpan<byte> chunk, ulong ivCounter)
    {
        const int headerEnd = IkeHeader.Size + 8;
        int length = headerEnd + sk.GetProtectedLength(chunk.Length);
        var m = new byte[length];
        WriteHeader(m, exchange, flags, messageId, PayloadType.EncryptedFragment, length);
        m[28] = firstInner;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(30), (ushort)(length - IkeHeader.Size));
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(32), number);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(34), total);
        sk.Protect(m.AsSpan(0, headerEnd), chunk, Iv(sk, ivCounter), m.AsSpan(headerEnd));
        return m;
    }

    private void WriteHeader(Span<byte> m, ExchangeType exchange, IkeFlags flags, uint messageId, PayloadType next, int length)
    {
        BinaryPrimitives.WriteUInt64BigEndian(m, Keys.InitiatorSpi);
        BinaryPrimitives.WriteUInt64BigEndian(m[8..], Keys.ResponderSpi);
        m[16] = (byte)next;
        m[17] = IkeHeader.Ikev2;
        m[18] = (byte)exchange;
        m[19] = (byte)flags;
        BinaryPrimitives.WriteUInt32BigEndian(m[20..], messageId);
        BinaryPrimitives.WriteUInt32BigEndian(m[24..], (uint)length);
    }

    private static byte[] Iv(SkProtection sk, ulong counter)
    {
        var iv = new byte[sk.IvSize];
        BinaryPrimitives.WriteUInt64BigEndian(iv.AsSpan(iv.Length - 8), counter);
        return iv;
    }

    private static byte[] Unseal(SkProtection sk, byte[] message)
    {
        if (!sk.TryUnprotect(message.AsSpan(0, 32), message.AsSpan(32), out byte[] plain))
            throw new InvalidOperationException("fixture could not open its own IKE_AUTH");
        return plain;
    }
}

internal static class IkeEngineExtensions
{
    public static void DrainOutput(this IkeEngine engine)
    {
        while (engine.TryDequeueOutgoing(out _)) { }
        while (engine.TryDequeueEvent(out _)) { }
    }

    /// <summary>The engine catches everything as defence in depth and counts it: for the fuzzer that is the crash.</summary>
    public static void ThrowOnInternalError(this IkeEngine engine, string harness)
    {
        if (engine.Counters[IkeCounter.InternalError] != 0)
            throw new FuzzFindingException($"{harness}: the IKE engine counted an internal error (an exception inside HandleDatagram)");
    }
}
