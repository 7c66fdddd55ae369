namespace Appliance.Ike.Crypto.SelfTest;

/// <summary>Published vectors the IKE self-test replays; the unit tests cite and check the same numbers.</summary>
internal static class IkeKnownAnswerVectors
{
    public sealed record KeyExchangeVector(string Name, DhGroup Group, string I, string Gi, string R, string Gr, string Gir);

    public static readonly KeyExchangeVector[] KeyExchanges =
    [
        new("RFC 5903 §8.1 ECP-256", DhGroup.Ecp256,
            "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
            "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180" + "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
            "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
            "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63" + "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
            "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"),
        new("RFC 5903 §8.2 ECP-384", DhGroup.Ecp384,
            "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655e35b538041e649ee3faef896783ab194",
            "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa" +
            "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
            "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942e0308312916b8ed2960e4bd55a7448fc",
            "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571" +
            "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
            "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4d603135569b9e9d09cf5d4a270f59746"),
        new("RFC 5903 §8.3 ECP-521", DhGroup.Ecp521,
            "0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a095aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d4a52",
            "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbee1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176ced3e" +
            "017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10ad8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f9582",
            "0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb151685eb9",
            "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a219b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9460f" +
            "015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0fc56a",
            "01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3ddea"),
        new("RFC 7748 §6.1 X25519", DhGroup.Curve25519,
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"),
    ];

    public sealed record PrfVector(string Name, PrfAlgorithm Alg, string Expected);

    // RFC 4868 §2.7.1 PRF-1: key 0x0b × 20, data "Hi There".
    public static readonly PrfVector[] Prfs =
    [
        new("RFC 4868 PRF-1 HMAC-SHA-256", PrfAlgorithm.HmacSha256, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        new("RFC 4868 PRF-1 HMAC-SHA-384", PrfAlgorithm.HmacSha384, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"),
        new("RFC 4868 PRF-1 HMAC-SHA-512", PrfAlgorithm.HmacSha512, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
    ];

    // NIST CAVP SP 800-135 IKEv2 sample (carried in NSS ike_sha256_vectors.h, cases 6-9).
    public const string KdfNi = "3f302be1abcb28e1", KdfNr = "8c332ee006064c9b";
    public const ulong KdfSpiI = 0x40dac39e1e1a8640, KdfSpiR = 0x8619a1cf9a6e4c07;
    public const string KdfGir = "0f4d257d7a58fc4545c7d7a88119eee5d5c9690c5b4c989171d3abbfd99d1d29";
    public const string KdfSkeyseed = "5f00d1bd2c58ec224b1e6b71fa0f19a1faa7a193952c444411b47c1a9d8ba6fe";
    public const string KdfSkD = "0b137d669b0947d7d026d593f0305ad401ff0c471357d695778a9c7f4b4869ec";
    public const string KdfGirNew = "25f3b12d6f282739256e39bf54eda53b60ffcf379bb7bcc90c27b4c4c578616c";
    public const string KdfRekeySkeyseed = "2d63f6debc92048b4fef3889c4c99ca67d6496e0fac14a2bca9a2d6566ff2398";

    // RFC 7634 Appendix B: ChaCha20-Poly1305 SK payload of an INFORMATIONAL request.
    public const string ChaChaKeySalt = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" + "a0a1a2a3";
    public const string ChaChaAssociated = "c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e202500000000090000004529000029";
    public const string ChaChaPlaintext = "0000000c000040010000000a";
    public const string ChaChaIv = "1011121314151617";
    public const string ChaChaBody = "1011121314151617" + "610394701f8d017f7c12924889" + "6b71bfe25236efd7cdc67066906315b2";

    // AES-GCM test case 4 (McGrew & Viega, GCM specification); salt = first 4 IV bytes.
    public const string GcmKeySalt = "feffe9928665731c6d6a8f9467308308" + "cafebabe";
    public const string GcmAssociated = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
    public const string GcmBody = "facedbaddecaf888" +
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091" +
        "5bc94fbc3221a5db94fae95ae7121a47";
    public const string GcmPlaintext = "d931";
}
