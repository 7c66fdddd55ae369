using System.Buffers.Binary;
using Appliance.Ike.Crypto;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Messages;

/// <summary>Encrypted Fragment payloads (RFC 7383 §2.5): sizes, numbering, and each fragment's own ICV.</summary>
public class SkfCodecTests
{
    private static readonly IkeHeader Header = new(0x0102030405060708, 0x1112131415161718, PayloadType.None, IkeHeader.Ikev2,
        ExchangeType.IkeAuth, IkeFlags.Initiator, 1, 0);

    public static TheoryData<string> Suites => new() { "gcm", "cbc-sha256", "cbc-sha512", "chacha" };

    private static SkProtection Create(string suite) => suite switch
    {
        "gcm" => SkProtection.Create(EncryptionAlgorithm.AesGcm16, 256, IntegrityAlgorithm.None, new byte[36], []),
        "chacha" => SkProtection.Create(EncryptionAlgorithm.ChaCha20Poly1305, 256, IntegrityAlgorithm.None, new byte[36], []),
        "cbc-sha256" => SkProtection.Create(EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha256_128, new byte[16], new byte[32]),
        _ => SkProtection.Create(EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.HmacSha512_256, new byte[32], new byte[64]),
    };

    private static Func<byte[]> Ivs(SkProtection p)
    {
        ulong counter = 0;
        return () =>
        {
            var iv = new byte[p.IvSize];
            BinaryPrimitives.WriteUInt64BigEndian(iv.AsSpan(iv.Length - 8), ++counter);
            return iv;
        };
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void The_largest_chunk_fills_the_limit_and_one_more_octet_would_exceed_it(string suite)
    {
        using SkProtection p = Create(suite);
        foreach (int limit in new[] { 548, 1252, 1500 })
        {
            int chunk = SkfCodec.MaxChunk(limit, p);
            int length = IkeHeader.Size + SkfCodec.HeaderSize + p.GetProtectedLength(chunk);
            Assert.True(length <= limit, $"{suite}: {length} > {limit}");
            Assert.True(IkeHeader.Size + SkfCodec.HeaderSize + p.GetProtectedLength(chunk + 1) > limit);
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Split_fragments_open_one_by_one_and_concatenate_to_the_chain(string suite)
    {
        using SkProtection p = Create(suite);
        List<IkePayload> inner = [new IdPayload(false, IkeIdentity.Parse("a.example.com")), new CertificatePayload(false, 4, new byte[1800]),
            new NotifyPayload(NotifyType.InitialContact)];
        List<byte[]> fragments = SkfCodec.Split(Header, inner, 520, p, Ivs(p));
        Assert.True(fragments.Count >= 4);
        var plaintext = new List<byte>();
        for (int i = 0; i < fragments.Count; i++)
        {
            Assert.True(fragments[i].Length <= 520);
            Assert.True(PayloadCodec.TryDecodeMessage(fragments[i], out DecodedMessage? m).IsOk);
            Assert.Equal(PayloadType.EncryptedFragment, m!.Header.NextPayload);
            Assert.Equal(1u, m.Header.MessageId);
            EncryptedFragmentPayload f = Assert.IsType<EncryptedFragmentPayload>(Assert.Single(m.Payloads));
            Assert.Equal(i + 1, f.FragmentNumber);
            Assert.Equal(fragments.Count, f.TotalFragments);
            Assert.Equal(i == 0 ? PayloadType.IdentificationInitiator : PayloadType.None, f.FirstInnerPayload);
            Assert.True(SkfCodec.TryOpen(m, f, p, out byte[] part));
            plaintext.AddRange(part);
        }
        Assert.Equal(PayloadCodec.EncodeChain(inner), plaintext.ToArray());
    }

    [Fact]
    public void The_ICV_covers_the_fragment_numbers()
    {
        using SkProtection p = Create("gcm");
        byte[] fragment = SkfCodec.Split(Header, [new CertificatePayload(false, 4, new byte[1000])], 520, p, Ivs(p))[0];
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(IkeHeader.Size + 4), 2); // claim to be fragment 2
        Assert.True(PayloadCodec.TryDecodeMessage(fragment, out DecodedMessage? m).IsOk);
        Assert.False(SkfCodec.TryOpen(m!, (EncryptedFragmentPayload)m!.Payloads[0], p, out _));
    }
}
