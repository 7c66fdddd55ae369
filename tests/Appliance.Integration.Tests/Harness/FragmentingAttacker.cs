using System.Net;
using System.Net.Sockets;
using Appliance.Ike;
using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;

namespace Appliance.Integration.Tests.Harness;

/// <summary>
/// An initiator from a real address that does what cookies cannot stop (RFC 7383 §5 names it): it completes IKE_SA_INIT
/// (answering a COOKIE), so it holds the SA's keys, then sends IKE_AUTH fragments whose ICVs verify but never the last one,
/// so the responder keeps them for reassembly until the half-open SA expires.
/// </summary>
public sealed class FragmentingAttacker : IDisposable
{
    private readonly Socket _socket;
    private readonly IPEndPoint _box;
    private readonly Random _random = new(18);

    public FragmentingAttacker(string ns, IPAddress local, IPEndPoint box)
    {
        _box = box;
        _socket = NamespaceSocket.Open(ns, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(local, 0));
            return s;
        });
        _socket.ReceiveTimeout = 3000;
    }

    /// <summary>One half-open IKE SA with fragmentation negotiated: its SPIs and initiator-to-responder protection.</summary>
    public sealed record HalfOpenSa(ulong SpiI, ulong SpiR, SkProtection Outbound) : IDisposable
    {
        private ulong _iv;
        public byte[] NextIv() => BitConverter.GetBytes(++_iv);
        public void Dispose() => Outbound.Dispose();
    }

    /// <summary>IKE_SA_INIT (X25519, AES-GCM-256, SHA-256 PRF, FRAGMENTATION_SUPPORTED); null when the box stays silent or refuses.</summary>
    public HalfOpenSa? Open()
    {
        ulong spiI = (ulong)_random.NextInt64(1, long.MaxValue);
        using var kex = KeyExchange.Create(DhGroup.Curve25519);
        var ni = new byte[32];
        _random.NextBytes(ni);
        var header = new IkeHeader(spiI, 0, PayloadType.None, IkeHeader.Ikev2, ExchangeType.IkeSaInit, IkeFlags.Initiator, 0, 0);
        List<IkePayload> payloads =
        [
            new SaPayload([new Proposal(1, ProtocolId.Ike, [], [new Transform(TransformType.Encryption, 20, 256),
                new Transform(TransformType.PseudoRandomFunction, 5), new Transform(TransformType.DiffieHellmanGroup, 31)])]),
            new KePayload(31, kex.PublicValue.ToArray()), new NoncePayload(ni), new NotifyPayload(NotifyType.FragmentationSupported),
        ];
        DecodedMessage? reply = Exchange(PayloadCodec.EncodePlain(header, payloads));
        if (reply?.Payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.NotifyType == NotifyType.Cookie) is { } cookie)
            reply = Exchange(PayloadCodec.EncodePlain(header, [new NotifyPayload(NotifyType.Cookie, cookie.Data), .. payloads]));
        if (reply?.Payloads.OfType<KePayload>().FirstOrDefault() is not { } ke
            || reply.Payloads.OfType<NoncePayload>().FirstOrDefault() is not { } nr
            || !reply.Payloads.OfType<NotifyPayload>().Any(n => n.NotifyType == NotifyType.FragmentationSupported)
            || !kex.TryComputeSharedSecret(ke.Data, out byte[] shared))
            return null;
        ulong spiR = reply.Header.ResponderSpi;
        var prf = new Prf(PrfAlgorithm.HmacSha256);
        byte[] skeyseed = KeyDerivation.Skeyseed(prf, ni, nr.Data, shared);
        IkeSaKeys keys = KeyDerivation.DeriveIkeSaKeys(prf, skeyseed, ni, nr.Data, spiI, spiR,
            SuiteSizes.EncryptionKeyBytes(EncryptionAlgorithm.AesGcm16, 256), 0);
        return new HalfOpenSa(spiI, spiR, SkProtection.Create(EncryptionAlgorithm.AesGcm16, 256, IntegrityAlgorithm.None, keys.SkEi, []));
    }

    /// <summary>Fragment <paramref name="number"/> of <paramref name="total"/> of IKE_AUTH request <paramref name="messageId"/>, valid ICV.</summary>
    public void SendFragment(HalfOpenSa sa, uint messageId, ushort number, ushort total, int chunkLength)
    {
        var chunk = new byte[chunkLength];
        _random.NextBytes(chunk);
        var header = new IkeHeader(sa.SpiI, sa.SpiR, PayloadType.None, IkeHeader.Ikev2, ExchangeType.IkeAuth, IkeFlags.Initiator, messageId, 0);
        byte[] fragment = SkfCodec.EncodeFragment(header, number == 1 ? PayloadType.IdentificationInitiator : PayloadType.None, number, total, chunk,
            sa.Outbound, sa.NextIv());
        _socket.SendTo(fragment, _box);
    }

    private DecodedMessage? Exchange(byte[] request)
    {
        _socket.SendTo(request, _box);
        var buffer = new byte[65536];
        try
        {
            int n = _socket.Receive(buffer);
            return PayloadCodec.TryDecodeMessage(buffer.AsSpan(0, n), out DecodedMessage? m).IsOk ? m : null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            return null;
        }
    }

    public void Dispose() => _socket.Dispose();
}
