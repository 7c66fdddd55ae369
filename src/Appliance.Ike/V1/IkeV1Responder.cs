using System.Buffers.Binary;
using System.Net;
using Appliance.Ike.Crypto;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Ike.V1;

/// <summary>
/// IKEv1 responder (RFC 2409 Main Mode with pre-shared keys, Quick Mode for transport-mode ESP protecting UDP to
/// <see cref="IkeV1ResponderOptions.ProtectedPort"/>, Informational with DELETE/INITIAL-CONTACT/DPD, NAT-T per RFC 3947)
/// for the L2TP/IPsec clients built into Windows and macOS. Sans I/O: the host feeds datagrams and ticks, and drains
/// datagrams and events. Bad input is counted (<see cref="Counters"/>) and dropped, never thrown.
/// </summary>
public sealed partial class IkeV1Responder
{
    private readonly object _gate = new();
    private readonly IkeV1ResponderOptions _options;
    private readonly TimeProvider _time;
    private readonly IIkeRandom _random;
    private readonly ILogger _log;
    private readonly RateLimitedLog _rateLimitedLog;
    private readonly Dictionary<ulong, IsakmpSa> _sas = new();
    private readonly Queue<OutgoingDatagram> _outgoing = new();
    private readonly Queue<IkeEvent> _events = new();
    private readonly List<IsakmpPayload> _payloads = [];

    public IkeV1Responder(IkeV1ResponderOptions options, TimeProvider time, IIkeRandom? random = null, ILogger? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _random = random ?? SystemIkeRandom.Instance;
        _log = logger ?? NullLogger.Instance;
        _rateLimitedLog = new RateLimitedLog(_log, TimeSpan.FromSeconds(10));
    }

    public IkeV1Counters Counters { get; } = new();

    /// <summary>True when the ISAKMP header's version (offset 17) has major version 1 (RFC 2408 §3.1).</summary>
    public static bool IsIkeV1(ReadOnlySpan<byte> isakmpMessage) => isakmpMessage.Length >= IsakmpHeader.Size && isakmpMessage[17] >> 4 == 1;

    /// <summary>An ISAKMP message (on port 4500 without the non-ESP marker). Never throws on bad input.</summary>
    public void HandleDatagram(IPEndPoint local, IPEndPoint remote, ReadOnlySpan<byte> message)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(remote);
        lock (_gate)
        {
            Counters.Increment(IkeV1Counter.DatagramsReceived);
            try
            {
                // Dual-stack sockets report ::ffff:a.b.c.d: the NAT-D hashes and IDs need the 4-octet address.
                Dispatch(Normalize(local), Normalize(remote), message.ToArray());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Counters.Increment(IkeV1Counter.InternalError);
                _rateLimitedLog.Warn("internal", _time.GetUtcNow(), "IKEv1: internal error handling a message from {0}: {1}", remote, e.GetType().Name);
            }
        }
    }

    public bool TryDequeueOutgoing(out OutgoingDatagram datagram)
    {
        lock (_gate)
            return _outgoing.TryDequeue(out datagram!);
    }

    public bool TryDequeueEvent(out IkeEvent ikeEvent)
    {
        lock (_gate)
            return _events.TryDequeue(out ikeEvent!);
    }

    /// <summary>One entry per ISAKMP SA.</summary>
    public IReadOnlyList<IkeV1SaStatus> Status()
    {
        lock (_gate)
        {
            var list = new List<IkeV1SaStatus>(_sas.Count);
            foreach (IsakmpSa sa in _sas.Values)
            {
                var inbound = new List<uint>();
                var outbound = new List<uint>();
                foreach (EspSa esp in sa.EspSas)
                {
                    inbound.Add(esp.InboundSpi);
                    outbound.Add(esp.OutboundSpi);
                }
                list.Add(new IkeV1SaStatus
                {
                    Remote = sa.Remote,
                    Local = sa.Local,
                    State = sa.State == IsakmpState.Established ? "established" : "main-mode",
                    InitiatorCookie = sa.InitiatorCookie,
                    ResponderCookie = sa.ResponderCookie,
                    NatDetected = sa.NatDetected,
                    EstablishedAt = sa.EstablishedAt,
                    RemoteId = sa.RemoteId?.ToString(),
                    Suite = sa.Suite,
                    NatOriginalAddress = sa.NatOriginalAddress,
                    InboundSpis = inbound,
                    OutboundSpis = outbound,
                });
            }
            return list;
        }
    }

    private void Dispatch(IPEndPoint local, IPEndPoint remote, byte[] message)
    {
        if (!IsakmpHeader.TryParse(message, out IsakmpHeader header))
        {
            Counters.Increment(IkeV1Counter.Malformed);
            return;
        }
        if (header.Version >> 4 != 1)
        {
            Counters.Increment(IkeV1Counter.InvalidMajorVersion);
            return;
        }
        switch (header.Exchange)
        {
            case ExchangeType.IdentityProtection:
                if (header.ResponderCookie == 0)
                    HandleMainMode1(local, remote, header, message);
                else if (Lookup(header, out IsakmpSa? sa))
                    HandleMainModeLater(sa!, local, remote, header, message);
                break;
            case ExchangeType.QuickMode:
                if (Lookup(header, out IsakmpSa? qsa))
                    HandleQuickMode(qsa!, local, remote, header, message);
                break;
            case ExchangeType.Informational:
                if (Lookup(header, out IsakmpSa? isa))
                    HandleInformational(isa!, local, remote, header, message);
                break;
            default:
                Counters.Increment(IkeV1Counter.UnsupportedExchange);
                _rateLimitedLog.Info("exchange", _time.GetUtcNow(), "IKEv1: exchange type {0} from {1} not supported (only Main Mode)", header.Exchange, remote);
                break;
        }
    }

    private static IPEndPoint Normalize(IPEndPoint e) => e.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(e.Address.MapToIPv4(), e.Port) : e;

    private bool Lookup(IsakmpHeader header, out IsakmpSa? sa)
    {
        if (_sas.TryGetValue(header.ResponderCookie, out sa) && sa.InitiatorCookie == header.InitiatorCookie)
            return true;
        sa = null;
        Counters.Increment(IkeV1Counter.UnknownCookie);
        return false;
    }

    // ---- sending and the CBC chain ----

    private void Send(IPEndPoint local, IPEndPoint remote, byte[] message)
    {
        Counters.Increment(IkeV1Counter.DatagramsSent);
        _outgoing.Enqueue(new OutgoingDatagram(local, remote, message));
    }

    private static byte[] BuildClear(ulong ckyI, ulong ckyR, byte exchange, uint messageId, PayloadBuilder payloads)
    {
        byte[] body = payloads.Encode();
        var message = new byte[IsakmpHeader.Size + body.Length];
        new IsakmpHeader
        {
            InitiatorCookie = ckyI,
            ResponderCookie = ckyR,
            NextPayload = payloads.FirstType,
            Version = 0x10,
            Exchange = exchange,
            MessageId = messageId,
            Length = (uint)message.Length,
        }.Write(message);
        body.CopyTo(message, IsakmpHeader.Size);
        return message;
    }

    /// <summary>
    /// Encrypts a payload chain (RFC 2409 Appendix B): zero padding to the block size, CBC from <paramref name="iv"/>;
    /// returns the message, and the last ciphertext block (the next IV of this chain) in <paramref name="iv"/>.
    /// </summary>
    private static byte[] BuildEncrypted(IsakmpSa sa, byte exchange, uint messageId, byte firstType, byte[] chain, ref byte[] iv)
    {
        int block = sa.Choice.Cipher.BlockSize;
        int padded = (chain.Length + block - 1) / block * block;
        if (padded == 0)
            padded = block;
        var plain = new byte[padded];
        chain.CopyTo(plain, 0);
        byte[] cipher = sa.Choice.Cipher.Encrypt(sa.Keys!.EncryptionKey, iv, plain);
        var message = new byte[IsakmpHeader.Size + cipher.Length];
        new IsakmpHeader
        {
            InitiatorCookie = sa.InitiatorCookie,
            ResponderCookie = sa.ResponderCookie,
            NextPayload = firstType,
            Version = 0x10,
            Exchange = exchange,
            Flags = IsakmpFlags.Encryption,
            MessageId = messageId,
            Length = (uint)message.Length,
        }.Write(message);
        cipher.CopyTo(message, IsakmpHeader.Size);
        iv = cipher.AsSpan(cipher.Length - block).ToArray();
        return message;
    }

    /// <summary>Decrypts the body after the header; null when it is not a whole, non-zero number of blocks.</summary>
    private byte[]? Decrypt(IsakmpSa sa, byte[] message, byte[] iv, out byte[] lastBlock)
    {
        lastBlock = [];
        int block = sa.Choice.Cipher.BlockSize;
        int length = message.Length - IsakmpHeader.Size;
        if (length == 0 || length % block != 0)
        {
            Counters.Increment(IkeV1Counter.DecryptionFailed);
            return null;
        }
        lastBlock = message.AsSpan(message.Length - block).ToArray();
        return sa.Choice.Cipher.Decrypt(sa.Keys!.EncryptionKey, iv, message.AsSpan(IsakmpHeader.Size));
    }

    /// <summary>HASH(x) first, then the rest: the hash is prf(SKEYID_a, M-ID | [Ni_b |] rest) (RFC 2409 §5.5, §5.7).</summary>
    private static byte[] WithHash(IsakmpSa sa, uint messageId, byte[]? niB, PayloadBuilder rest)
    {
        byte[] restBytes = rest.Encode();
        byte[] hash = V1KeyDerivation.MessageHash(sa.Choice.Hash, sa.Keys!.SkeyIdA, messageId, niB, restBytes);
        var output = new byte[4 + hash.Length + restBytes.Length];
        output[0] = rest.FirstType;
        BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(2), (ushort)(4 + hash.Length));
        hash.CopyTo(output, 4);
        restBytes.CopyTo(output, 4 + hash.Length);
        return output;
    }

    /// <summary>Checks that HASH is the first payload and equals prf(SKEYID_a, M-ID | [Ni_b |] payloads after it).</summary>
    private bool VerifyHash(IsakmpSa sa, byte[] plain, List<IsakmpPayload> payloads, uint messageId, byte[]? niB)
    {
        if (payloads.Count == 0 || payloads[0].Type != PayloadType.Hash)
        {
            Counters.Increment(IkeV1Counter.HashMismatch);
            return false;
        }
        IsakmpPayload h = payloads[0];
        int restEnd = PayloadChain.EndOf(payloads, 0);
        byte[] expected = V1KeyDerivation.MessageHash(sa.Choice.Hash, sa.Keys!.SkeyIdA, messageId, niB, plain.AsSpan(h.End, restEnd - h.End));
        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(expected, plain.AsSpan(h.BodyStart, h.BodyLength)))
        {
            Counters.Increment(IkeV1Counter.HashMismatch);
            return false;
        }
        return true;
    }

    private byte[] RandomBytes(int length)
    {
        var b = new byte[length];
        _random.Fill(b);
        return b;
    }

    private uint RandomNonZeroMessageId()
    {
        while (true)
        {
            uint v = BinaryPrimitives.ReadUInt32BigEndian(RandomBytes(4));
            if (v != 0)
                return v;
        }
    }

    private sealed class RandomAdapter(IIkeRandom random) : IIkeRandomBytes
    {
        public void Fill(Span<byte> buffer) => random.Fill(buffer);
    }

    private KeyExchange CreateKeyExchange(DhGroup group) => KeyExchange.Create(group, new RandomAdapter(_random));

    private static byte[] NotifyBody(byte protocol, ReadOnlySpan<byte> spi, ushort type, ReadOnlySpan<byte> data)
    {
        var body = new byte[8 + spi.Length + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body, SaPayload.DoiIpsec);
        body[4] = protocol;
        body[5] = (byte)spi.Length;
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(6), type);
        spi.CopyTo(body.AsSpan(8));
        data.CopyTo(body.AsSpan(8 + spi.Length));
        return body;
    }

    private static byte[] CookieSpi(IsakmpSa sa) => V1Hash.Concat(sa.CkyI, sa.CkyR);
}
