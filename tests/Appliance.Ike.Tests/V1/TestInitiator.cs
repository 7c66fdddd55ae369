using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Appliance.Ike.Crypto;

namespace Appliance.Ike.Tests.V1;

/// <summary>One phase 1 transform the test initiator offers (RFC 2409 Appendix A values).</summary>
internal sealed class P1Offer
{
    public ushort Encryption = 7;  // AES-CBC; 5 = 3DES, 1 = DES
    public ushort KeyBits = 256;   // 0 = no Key Length attribute
    public ushort Hash = 2;        // SHA1; 4 = SHA2-256, 5 = SHA2-384, 1 = MD5
    public ushort Group = 2;       // 2 = MODP-1024, 14 = MODP-2048
    public ushort Auth = 1;        // pre-shared key
    public uint LifeSeconds = 28800;
}

/// <summary>The ESP transform of a Quick Mode offer (RFC 2407 §4.5, RFC 3947 §5.1).</summary>
internal sealed class P2Offer
{
    public byte TransformId = 12; // ESP_AES
    public ushort KeyBits = 256;
    public ushort Auth = 2;       // HMAC-SHA1; 5 = HMAC-SHA2-256
    public ushort Mode = 2;       // transport; 4 = UDP-Encapsulated-Transport, 61444 its draft value
    public ushort PfsGroup;       // 0 = no PFS
    public uint LifeSeconds = 3600;
    public byte Protocol = 17;
    public ushort ServerPort = 1701;
    public ushort ClientPort = 1701;
}

/// <summary>
/// An IKEv1 initiator written from RFC 2409/2408/3947 for the tests: Main Mode with a pre-shared key, Quick Mode and
/// Informational exchanges, encrypted with its own CBC chain. Independent of the responder's code except for the DH
/// groups (Crypto/KeyExchange).
/// </summary>
internal sealed class TestInitiator
{
    public static readonly byte[] VidRfc3947 = MD5.HashData("RFC 3947"u8);
    public static readonly byte[] VidDraft02 = MD5.HashData("draft-ietf-ipsec-nat-t-ike-02\n"u8);
    public static readonly byte[] VidDpd = Convert.FromHexString("AFCAD71368A1F1C96B8696FC77570100");

    private readonly Random _random;
    public byte[] Psk;
    public List<P1Offer> Offers = [new P1Offer()];
    /// <summary>Where the client thinks it is (its own address, as in IDii and its NAT-D).</summary>
    public IPEndPoint Own;
    public IPEndPoint Server;
    public bool NatT = true;
    public bool DraftNatT;
    public bool Dpd = true;
    public bool InitialContact;

    public byte[] CkyI = new byte[8];
    public byte[] CkyR = new byte[8];
    private byte[] _saiB = [];
    public P1Offer? Chosen;
    private KeyExchange? _dh;
    private byte[] _gxi = [], _gxr = [], _ni = [], _nr = [];
    public byte[] SkeyId = [], SkeyIdD = [], SkeyIdA = [], SkeyIdE = [], EncKey = [];
    private byte[] _iv = [];
    public byte[] LastPhase1Block = [];
    public bool NatDetectedByPeerHashes;

    // Quick Mode state
    public uint QmMessageId;
    private byte[] _qmIv = [];
    private byte[] _qmNi = [], _qmNr = [];
    private KeyExchange? _qmDh;
    public uint SpiI, SpiR;
    public P2Offer QmOffer = new();
    public byte[] KeymatIn = [], KeymatOut = [];
    public List<(byte Type, byte[] Body)> LastQm2Payloads = [];

    public TestInitiator(int seed, IPEndPoint own, IPEndPoint server, string psk = "correct horse battery staple")
    {
        _random = new Random(seed);
        Own = own;
        Server = server;
        Psk = System.Text.Encoding.UTF8.GetBytes(psk);
        _random.NextBytes(CkyI);
    }

    private byte[] Rand(int n)
    {
        var b = new byte[n];
        _random.NextBytes(b);
        return b;
    }

    // ---------- hash / prf / cipher by the chosen offer ----------
    private byte[] Prf(byte[] key, params byte[][] parts)
    {
        byte[] data = Cat(parts);
        return Chosen!.Hash switch { 2 => HMACSHA1.HashData(key, data), 4 => HMACSHA256.HashData(key, data), _ => HMACSHA384.HashData(key, data) };
    }

    private byte[] Hash(params byte[][] parts)
    {
        byte[] data = Cat(parts);
        return Chosen!.Hash switch { 2 => SHA1.HashData(data), 4 => SHA256.HashData(data), _ => SHA384.HashData(data) };
    }

    private int Block => Chosen!.Encryption == 5 ? 8 : 16;

    private SymmetricAlgorithm Cipher()
    {
        SymmetricAlgorithm a = Chosen!.Encryption == 5 ? TripleDES.Create() : Aes.Create();
        a.Key = EncKey;
        return a;
    }

    public static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return b;
    }

    private static byte[] U16(ushort v) => [(byte)(v >> 8), (byte)v];

    // ---------- encoding ----------
    public static byte[] Chain(List<(byte Type, byte[] Body)> payloads)
    {
        var output = new List<byte>();
        for (int i = 0; i < payloads.Count; i++)
        {
            output.Add(i + 1 < payloads.Count ? payloads[i + 1].Type : (byte)0);
            output.Add(0);
            output.AddRange(U16((ushort)(4 + payloads[i].Body.Length)));
            output.AddRange(payloads[i].Body);
        }
        return output.ToArray();
    }

    public byte[] Header(byte next, byte exchange, byte flags, uint mid, int bodyLength) =>
        Cat(CkyI, CkyR, [next, 0x10, exchange, flags], U32(mid), U32((uint)(28 + bodyLength)));

    public static List<(byte Type, byte[] Body)> ParseChain(byte[] buffer, int offset, byte first)
    {
        var list = new List<(byte, byte[])>();
        byte type = first;
        while (type != 0)
        {
            byte next = buffer[offset];
            int length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(offset + 2));
            list.Add((type, buffer.AsSpan(offset + 4, length - 4).ToArray()));
            offset += length;
            type = next;
        }
        return list;
    }

    private static byte[] Attr(ushort type, ushort value) => [(byte)(0x80 | (type >> 8)), (byte)type, (byte)(value >> 8), (byte)value];

    private static byte[] LifeAttr(ushort type, uint value) =>
        value <= ushort.MaxValue ? Attr(type, (ushort)value) : Cat([(byte)(type >> 8), (byte)type, 0, 4], U32(value));

    private static byte[] Sa(byte protocol, byte[] spi, List<byte[]> transforms)
    {
        var tchain = new List<(byte, byte[])>();
        foreach (byte[] t in transforms)
            tchain.Add((3, t));
        byte[] proposal = Cat([1, protocol, (byte)spi.Length, (byte)transforms.Count], spi, Chain(tchain));
        return Cat(U32(1), U32(1), Chain([(2, proposal)]));
    }

    // ---------- Main Mode ----------
    public byte[] Mm1()
    {
        var transforms = new List<byte[]>();
        for (int i = 0; i < Offers.Count; i++)
        {
            P1Offer o = Offers[i];
            var attrs = new List<byte[]> { Attr(1, o.Encryption) };
            if (o.KeyBits != 0)
                attrs.Add(Attr(14, o.KeyBits));
            attrs.Add(Attr(2, o.Hash));
            attrs.Add(Attr(3, o.Auth));
            attrs.Add(Attr(4, o.Group));
            attrs.Add(Attr(11, 1));
            attrs.Add(LifeAttr(12, o.LifeSeconds));
            transforms.Add(Cat([(byte)(i + 1), 1, 0, 0], Cat(attrs.ToArray())));
        }
        _saiB = Sa(1, [], transforms);
        var payloads = new List<(byte, byte[])> { (1, _saiB) };
        if (NatT)
            payloads.Add((13, DraftNatT ? VidDraft02 : VidRfc3947));
        if (Dpd)
            payloads.Add((13, VidDpd));
        byte[] body = Chain(payloads);
        return Cat(Header(1, 2, 0, 0, body.Length), body);
    }

    public List<(byte Type, byte[] Body)> ReadMm2(byte[] message)
    {
        Array.Copy(message, 8, CkyR, 0, 8);
        var payloads = ParseChain(message, 28, message[16]);
        byte[] sa = payloads.First(p => p.Type == 1).Body;
        // DOI, situation, one proposal with one transform: read its attributes back to know the choice.
        var proposal = ParseChain(sa, 8, 2).Single().Body;
        var transform = ParseChain(proposal, 4 + proposal[2], 3).Single().Body;
        int number = transform[0];
        Chosen = Offers[number - 1];
        return payloads;
    }

    public byte[] Mm3(IPEndPoint? natDDestination = null)
    {
        _dh = KeyExchange.Create((DhGroup)Chosen!.Group);
        _gxi = _dh.PublicValue.ToArray();
        _ni = Rand(32);
        var payloads = new List<(byte, byte[])> { (4, _gxi), (10, _ni) };
        if (NatT)
        {
            byte t = DraftNatT ? (byte)130 : (byte)20;
            payloads.Add((t, NatD(natDDestination ?? Server)));
            payloads.Add((t, NatD(Own)));
        }
        byte[] body = Chain(payloads);
        return Cat(Header(4, 2, 0, 0, body.Length), body);
    }

    public byte[] NatD(IPEndPoint ep) => Hash(CkyI, CkyR, ep.Address.GetAddressBytes(), U16((ushort)ep.Port));

    public void ReadMm4(byte[] message)
    {
        var payloads = ParseChain(message, 28, message[16]);
        _gxr = payloads.First(p => p.Type == 4).Body;
        _nr = payloads.First(p => p.Type == 10).Body;
        var natds = payloads.Where(p => p.Type is 20 or 130).Select(p => p.Body).ToList();
        if (natds.Count >= 2)
            NatDetectedByPeerHashes = !natds[0].SequenceEqual(NatD(Own));
        Assert.True(_dh!.TryComputeSharedSecret(_gxr, out byte[] gxy));
        SkeyId = Prf(Psk, _ni, _nr);
        SkeyIdD = Prf(SkeyId, gxy, CkyI, CkyR, [0]);
        SkeyIdA = Prf(SkeyId, SkeyIdD, gxy, CkyI, CkyR, [1]);
        SkeyIdE = Prf(SkeyId, SkeyIdA, gxy, CkyI, CkyR, [2]);
        int keyBytes = Chosen!.Encryption == 5 ? 24 : Chosen.KeyBits / 8;
        var k = new List<byte>();
        if (SkeyIdE.Length >= keyBytes)
            k.AddRange(SkeyIdE);
        else
        {
            byte[] ki = Prf(SkeyIdE, [0]);
            k.AddRange(ki);
            while (k.Count < keyBytes)
            {
                ki = Prf(SkeyIdE, ki);
                k.AddRange(ki);
            }
        }
        EncKey = k.Take(keyBytes).ToArray();
        _iv = Hash(_gxi, _gxr).Take(Block).ToArray();
    }

    private byte[] IdiiBody => Cat([1, 17], U16(500), Own.Address.GetAddressBytes());

    public byte[] Mm5()
    {
        byte[] idii = IdiiBody;
        byte[] hashI = Prf(SkeyId, _gxi, _gxr, CkyI, CkyR, _saiB, idii);
        var payloads = new List<(byte, byte[])> { (5, idii), (8, hashI) };
        if (InitialContact)
            payloads.Add((11, Cat(U32(1), [1, 16], U16(24578), CkyI, CkyR)));
        return Encrypt(2, 0, 5, Chain(payloads), ref _iv);
    }

    public bool ReadMm6(byte[] message)
    {
        byte[] plain = Decrypt(message, ref _iv);
        var payloads = ParseChain(plain, 0, message[16]);
        byte[] idir = payloads.First(p => p.Type == 5).Body;
        byte[] hashR = payloads.First(p => p.Type == 8).Body;
        LastPhase1Block = _iv;
        return Prf(SkeyId, _gxr, _gxi, CkyR, CkyI, _saiB, idir).SequenceEqual(hashR);
    }

    public byte[] Encrypt(byte exchange, uint mid, byte first, byte[] chain, ref byte[] iv)
    {
        int padded = (chain.Length + Block - 1) / Block * Block;
        var plain = new byte[padded];
        chain.CopyTo(plain, 0);
        using SymmetricAlgorithm c = Cipher();
        byte[] enc = c.EncryptCbc(plain, iv, PaddingMode.None);
        iv = enc[^Block..];
        return Cat(Header(first, exchange, 1, mid, enc.Length), enc);
    }

    public byte[] Decrypt(byte[] message, ref byte[] iv)
    {
        Assert.Equal(1, message[19] & 1);
        using SymmetricAlgorithm c = Cipher();
        byte[] plain = c.DecryptCbc(message.AsSpan(28), iv, PaddingMode.None);
        iv = message[^Block..];
        return plain;
    }

    /// <summary>Runs MM1..MM6 through <paramref name="send"/> (which returns the responder's answers); true when HASH_R verified.</summary>
    public bool MainMode(Func<byte[], bool, List<byte[]>> send)
    {
        ReadMm2(send(Mm1(), false).Single());
        ReadMm4(send(Mm3(), false).Single());
        return ReadMm6(send(Mm5(), true).Single());
    }

    // ---------- Quick Mode ----------
    public byte[] Qm1(uint? messageId = null, IPAddress? clientAddress = null, bool natOa = false)
    {
        P2Offer o = QmOffer;
        QmMessageId = messageId ?? (uint)_random.Next(1, int.MaxValue);
        _qmIv = Hash(LastPhase1Block, U32(QmMessageId)).Take(Block).ToArray();
        SpiI = (uint)_random.Next(0x1000, int.MaxValue);
        _qmNi = Rand(16);
        var attrs = new List<byte[]> { Attr(1, 1), LifeAttr(2, o.LifeSeconds), Attr(4, o.Mode), Attr(5, o.Auth) };
        if (o.KeyBits != 0)
            attrs.Add(Attr(6, o.KeyBits));
        if (o.PfsGroup != 0)
            attrs.Add(Attr(3, o.PfsGroup));
        byte[] sa = Sa(3, U32(SpiI), [Cat([1, o.TransformId, 0, 0], Cat(attrs.ToArray()))]);
        var rest = new List<(byte, byte[])> { (1, sa), (10, _qmNi) };
        if (o.PfsGroup != 0)
        {
            _qmDh = KeyExchange.Create((DhGroup)o.PfsGroup);
            rest.Add((4, _qmDh.PublicValue.ToArray()));
        }
        rest.Add((5, Cat([1, o.Protocol], U16(o.ClientPort), (clientAddress ?? Own.Address).GetAddressBytes())));
        rest.Add((5, Cat([1, o.Protocol], U16(o.ServerPort), Server.Address.GetAddressBytes())));
        if (natOa)
        {
            byte t = DraftNatT ? (byte)131 : (byte)21;
            rest.Add((t, Cat([1, 0, 0, 0], Own.Address.GetAddressBytes())));
            if (!DraftNatT)
                rest.Add((t, Cat([1, 0, 0, 0], Server.Address.GetAddressBytes())));
        }
        byte[] restBytes = Chain(rest);
        byte[] hash1 = Prf(SkeyIdA, U32(QmMessageId), restBytes);
        byte[] chain = Cat([rest[0].Item1, 0], U16((ushort)(4 + hash1.Length)), hash1, restBytes);
        return Encrypt(32, QmMessageId, 8, chain, ref _qmIv);
    }

    /// <summary>Reads QM2; false when HASH(2) does not verify. Computes KEYMAT both ways.</summary>
    public bool ReadQm2(byte[] message)
    {
        Assert.Equal(32, message[18]);
        byte[] plain = Decrypt(message, ref _qmIv);
        var payloads = ParseChain(plain, 0, message[16]);
        LastQm2Payloads = payloads;
        Assert.Equal(8, payloads[0].Type);
        int hashLength = payloads[0].Body.Length;
        int restLength = payloads.Skip(1).Sum(p => p.Body.Length + 4);
        byte[] rest = plain.AsSpan(4 + hashLength, restLength).ToArray();
        bool ok = Prf(SkeyIdA, U32(QmMessageId), _qmNi, rest).SequenceEqual(payloads[0].Body);
        byte[] sa = payloads.First(p => p.Type == 1).Body;
        byte[] proposal = ParseChain(sa, 8, 2).Single().Body;
        Assert.Equal(3, proposal[1]);
        Assert.Equal(4, proposal[2]);
        SpiR = BinaryPrimitives.ReadUInt32BigEndian(proposal.AsSpan(4));
        _qmNr = payloads.First(p => p.Type == 10).Body;
        byte[] gxy = [];
        if (QmOffer.PfsGroup != 0)
            Assert.True(_qmDh!.TryComputeSharedSecret(payloads.First(p => p.Type == 4).Body, out gxy));
        int length = QmOffer.KeyBits / 8 + (QmOffer.Auth == 2 ? 20 : 32);
        KeymatIn = Keymat(gxy, SpiI, length);
        KeymatOut = Keymat(gxy, SpiR, length);
        return ok;
    }

    private byte[] Keymat(byte[] gxy, uint spi, int length)
    {
        byte[] seed = Cat(gxy, [3], U32(spi), _qmNi, _qmNr);
        var output = new List<byte>();
        byte[] k = Prf(SkeyIdD, seed);
        output.AddRange(k);
        while (output.Count < length)
        {
            k = Prf(SkeyIdD, k, seed);
            output.AddRange(k);
        }
        return output.Take(length).ToArray();
    }

    public byte[] Qm3()
    {
        byte[] hash3 = Prf(SkeyIdA, [0], U32(QmMessageId), _qmNi, _qmNr);
        return Encrypt(32, QmMessageId, 8, Chain([(8, hash3)]), ref _qmIv);
    }

    // ---------- Informational ----------
    public byte[] Informational(List<(byte Type, byte[] Body)> rest, uint? messageId = null)
    {
        uint mid = messageId ?? (uint)_random.Next(1, int.MaxValue);
        byte[] iv = Hash(LastPhase1Block, U32(mid)).Take(Block).ToArray();
        byte[] restBytes = Chain(rest);
        byte[] hash1 = Prf(SkeyIdA, U32(mid), restBytes);
        byte[] chain = Cat([rest[0].Type, 0], U16((ushort)(4 + hash1.Length)), hash1, restBytes);
        return Encrypt(5, mid, 8, chain, ref iv);
    }

    /// <summary>Decrypts an Informational from the responder and checks its HASH(1); returns the payloads after HASH.</summary>
    public List<(byte Type, byte[] Body)> ReadInformational(byte[] message)
    {
        Assert.Equal(5, message[18]);
        uint mid = BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(20));
        byte[] iv = Hash(LastPhase1Block, U32(mid)).Take(Block).ToArray();
        byte[] plain = Decrypt(message, ref iv);
        var payloads = ParseChain(plain, 0, message[16]);
        Assert.Equal(8, payloads[0].Type);
        int restLength = payloads.Skip(1).Sum(p => p.Body.Length + 4);
        byte[] rest = plain.AsSpan(4 + payloads[0].Body.Length, restLength).ToArray();
        Assert.Equal(Prf(SkeyIdA, U32(mid), rest), payloads[0].Body);
        return payloads.Skip(1).ToList();
    }

    public static byte[] NotifyBody(byte protocol, byte[] spi, ushort type, byte[] data) =>
        Cat(U32(1), [protocol, (byte)spi.Length], U16(type), spi, data);

    public static byte[] DeleteBody(byte protocol, int spiSize, params byte[][] spis) =>
        Cat(U32(1), [protocol, (byte)spiSize], U16((ushort)spis.Length), Cat(spis));

    public byte[] CookieSpi => Cat(CkyI, CkyR);

    public static ushort NotifyType(byte[] body) => BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(6));
}
