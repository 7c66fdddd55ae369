using Appliance.Ike.Crypto;

namespace Appliance.Ike.Tests.Crypto;

public class KeyDerivationTests
{
    // NIST CAVP SP 800-135 IKEv2 KDF vector, SHA-256, DKM length 3072 bits, as published in
    // usnistgov/ACVP-Server crypto/test/NIST.CVP.Crypto.IKEv2.Tests/IKEv2Tests.cs ("IKEv2 SHA2-256").
    // Fields: Ni, Nr, g^ir, g^ir (new), SPIi, SPIr → SKEYSEED, DKM, DKM(Child SA), DKM(Child SA D-H), SKEYSEED(Rekey).
    private static class Cavp256
    {
        public static readonly byte[] Ni = Hex.Parse("0a58fea9c1d4fee2e74e1aad6fb02dd5f318eb127465a112be8dc3c04d5dba62eae708f9dc1b2362afd6ba4bda3cf5000f4979fbcbadbcfda9291593829c4e905c21db0c2ee15175ce77a8a0dadf25c7f175bc53fd91b636a9b3c50b203de9b9d6dc463dcb4048f101e26498ceaed3afbcd931394a7e099392dfff82e5d6fa85c2e8a8ab90ad363a66795dc32798847e405acd87988140f973058917273a6b0bafb962c75e2b1a21e79c08beeb82168bf8b4b57f3dce867bf7862a7b8acbc21be838021913daf64340c055ed17aaf7b6e1d0ca33ae890ddbdb83f4e615aad5e3bff58c3db70bac81a0dfbabe5391fc62bca4659e22a0741e01d8d06e67d9bb41");
        public static readonly byte[] Nr = Hex.Parse("e4fdfa68df6171d9eaff8b7b5ad31e7c6098d259f3397c9854cbefe7449b0864c1df16ddece8b26567560f8d59182a44c19149c2d0d72606a160021ade3d23c7c6936c91a4b6bec37adf38cfc84b851c68dcee06f81306f63abbefc07e231e3058c49437a557df617eac01663593d2a3e594699284c0a35eae6931492ccb2a43db72a600a3899205d681d2b76b1280e456339bb10e0c584aecfdae31c77a4c40dbcb345f782ac32835d4c220c1e97254ded6a40075dd717b00b69c86a49e801773026536ae02d58a649827f1ba67610ee936dffd11c9d5a9156631916a0a0046ec0ba42f56f2a18de83d5d71a985b0cc9eec2c06b3d907ca58454419f374069d");
        public static readonly byte[] Gir = Hex.Parse("9d469de41b4739c7dd01f19aa94f17e48150ae9dbede94832142db19");
        public static readonly byte[] GirNew = Hex.Parse("c2987b0767006c3b9aea491bfed1646a3d7194639492b8d45b23b383");
        public const ulong SpiI = 0xc8de93111750e409;
        public const ulong SpiR = 0x32d51b33508997fa;
        public const string Skeyseed = "eec13ac67c2e072abb684ab4e7b6ce3e7f400af8b96bed48e113497ed337f8d4";
        public const string Dkm = "bc83518f63b762874ac57947cdfae33a8d9724df0b83ee4b6df38c23fc2ad829f4d70b5a68dd1f5a52416f09758638aedf919c09a17c5298cdb703bb75b1005cba0109739aaa4efd2fe7534c95ad05e546e4419931270eddcab68ac1589d7fde47f5b9e8d5b614cb24ec3caf515497a9e99ee6f1b318ff153b539ef071dcaff9b41945dcb780700d69e5dc888a91de195c52825badfd0ab4c33cec71ab5c2b4badefe5455455ce5d8ae91721a2091bcccc1514e69482c9c8da1d9f0f187eedda916393570a8c0a8dfabc26d8ed31e8ea47662515972a22d11d692bc1fac6395aecd82a01ab78daafcd6f3070b1201f158a19331b5d21ceee66fccd2ea37bc07648b9539a52dbf797af53e31a0e8706dd86cf5081ebabd095f281d23c222dd3bc5abf06869017ca8f751cafcc85abea6ba88c139d1f32a12f7f486cf57eae5d85551b97f3963616d8f597c70efa98c1e1fa369fb77a80b1ec5fe533890672c4551172eab1b7fd68ad08c4d4c69f2a867302065ca730aa6915bc2cfb6d93820977";
        public const string DkmChild = "c725012285d56e53244a9baaaf95abfca543708d333a3f3a86ba660e00edd4d489bcd631819fda0413382edd9f53d1ed718e056c2ad91d38de90f06cd434de70141d051c021e7ddd6e4137946b4770dca59a4decabdd866852eb557fdd995646613ff2923f5f23aa58c8fbd5ad52cf2eac9bda97faad5596695f4a747a0f1cc6a1f78b2181138fb19ac24574d2e6b3a40d6e688abb919a27d793b76568ec66bd099f6f476b705c1472d774a1516a11311b887688f36649e24227640ea8d8666b9f452217e7103b6f0a92b6adb8fbda650ba58d6ac13ac6f6b6361a5d1c44f1e9f22196c96295115c5d01a120e7265962d20353a049286908da776c2165f706a16f43d85fcd319f89c4386340bcb8ed10df38345cb68af719abaf997e9789a5f19a392dcecd78168ba282f0b30555c7a47031a3156d12d7158aa41b863b8394d30fec63120e89cbc5750eed7786f7d5961b1f2e6faca641ed776d2211bee757b68b77f94056172553715da9fbd1c9a8728f28a2f3c9714a4917490132562484cd";
        public const string DkmChildDh = "140a1f2a3c94318ece6edfa8c63f37d8d45982de8b6cbfe34011150db0253e34de3796d4aa579954a0bbf234794eb6e7ece2a8f91100f5507df4ee8e66c7813d4c0ff64d484a3494c54b0d9c605ea24234a49a010ce5c352feb9e1060c8c787229466296cdc9d11bb9d221ed2bb39544572464254ec02a0fbe777b07402c775eb6d3e53cd16214c707f851942cc7da92a811b6c5c82f29d9fc3751b0ebff9898fb14372402a6989ffb9cc32dfe7e2cea32fd882e09804d7fea34ce3b5eb6f303e095c48a452b0a3eccada81af22195ebbaad289aeabdab074c94e751496bde39d868ebf1d693f36d1c3c672bbb59c9f77aeb68de57d77da231b7f13d6d277f600c3d3086c4de7b3a59127f4cb9c118935574f30e1b7c88b52c8c3531fdbd38ee3d14c69e81803ced6e7501fa0180f6d110b648272002dc1ad5bf09dc83188011da1d48632e0d2453c8abdd8e9fd32a576aeb9ddfb0a024f674441c20a950d9bd8cd7b30933cc0d8e87b55e8aa9d913579b410417b3acc13c14bf73c457327873";
        public const string SkeyseedRekey = "05f796c8df322a7e33283ae5fa2f376d8d5efa0ac3745fc548e430031424c121";
    }

    [Fact]
    public void Cavp_Sha256_Skeyseed() =>
        Assert.Equal(Cavp256.Skeyseed, Hex.Of(KeyDerivation.Skeyseed(new Prf(PrfAlgorithm.HmacSha256), Cavp256.Ni, Cavp256.Nr, Cavp256.Gir)));

    [Fact]
    public void Cavp_Sha256_Dkm_IsSplitInto_SkKeys_InRfc7296Order()
    {
        var prf = new Prf(PrfAlgorithm.HmacSha256);
        byte[] skeyseed = Hex.Parse(Cavp256.Skeyseed);
        // 3072 bits = 384 bytes = 3 × 32 (SK_d, SK_pi, SK_pr) + 2 × 64 (SK_a) + 2 × 80 (SK_e): a split that uses all of it.
        IkeSaKeys k = KeyDerivation.DeriveIkeSaKeys(prf, skeyseed, Cavp256.Ni, Cavp256.Nr, Cavp256.SpiI, Cavp256.SpiR, encrKeyBytes: 80, integKeyBytes: 64);
        string joined = Hex.Of([.. k.SkD, .. k.SkAi, .. k.SkAr, .. k.SkEi, .. k.SkEr, .. k.SkPi, .. k.SkPr]);
        Assert.Equal(Cavp256.Dkm, joined);
        Assert.Equal(32, k.SkD.Length);
        Assert.Equal(32, k.SkPr.Length);
    }

    [Fact]
    public void Cavp_Sha256_ChildSa_WithAndWithoutPfs_AndRekey()
    {
        var prf = new Prf(PrfAlgorithm.HmacSha256);
        // SP 800-135 §4.2: the Child SA and rekey derivations take SK_d = the first prf-length bytes of DKM.
        byte[] skD = Hex.Parse(Cavp256.Dkm)[..32];
        Assert.Equal(Cavp256.DkmChild, Hex.Of(KeyDerivation.ChildKeyMaterial(prf, skD, [], Cavp256.Ni, Cavp256.Nr, 384)));
        Assert.Equal(Cavp256.DkmChildDh, Hex.Of(KeyDerivation.ChildKeyMaterial(prf, skD, Cavp256.GirNew, Cavp256.Ni, Cavp256.Nr, 384)));
        Assert.Equal(Cavp256.SkeyseedRekey, Hex.Of(KeyDerivation.RekeySkeyseed(prf, skD, Cavp256.GirNew, Cavp256.Ni, Cavp256.Nr)));
    }

    // The NIST sample chain carried in NSS ike_sha256_vectors.h (cases 6-9): 16-byte nonces,
    // g^ir → SKEYSEED (case 6) → prf+ (case 9: SK_d) → rekey SKEYSEED (case 7).
    [Fact]
    public void NistSample_Chain_ThroughTheRealSplit()
    {
        var prf = new Prf(PrfAlgorithm.HmacSha256);
        byte[] ni = Hex.Parse("3f302be1abcb28e1"), nr = Hex.Parse("8c332ee006064c9b");
        byte[] skeyseed = KeyDerivation.Skeyseed(prf, ni, nr, Hex.Parse("0f4d257d7a58fc4545c7d7a88119eee5d5c9690c5b4c989171d3abbfd99d1d29"));
        Assert.Equal("5f00d1bd2c58ec224b1e6b71fa0f19a1faa7a193952c444411b47c1a9d8ba6fe", Hex.Of(skeyseed));
        // AES-GCM-16-256: 36-byte encryption keys (key + salt), no integrity keys.
        IkeSaKeys keys = KeyDerivation.DeriveIkeSaKeys(prf, skeyseed, ni, nr, 0x40dac39e1e1a8640, 0x8619a1cf9a6e4c07, 36, 0);
        Assert.Equal("0b137d669b0947d7d026d593f0305ad401ff0c471357d695778a9c7f4b4869ec", Hex.Of(keys.SkD));
        Assert.Empty(keys.SkAi);
        Assert.Empty(keys.SkAr);
        Assert.Equal(36, keys.SkEi.Length);
        // Case 8's 132-byte prf+ stream = SK_d(32) | SK_ei(36) | SK_er(36) | first 28 bytes of SK_pi.
        Assert.Equal("e98aca531188d16041b3bb936d2dbb3b4993a6e768a809160de45d0283f273a6cdf68543", Hex.Of(keys.SkEi));
        byte[] rekey = KeyDerivation.RekeySkeyseed(prf, keys.SkD, Hex.Parse("25f3b12d6f282739256e39bf54eda53b60ffcf379bb7bcc90c27b4c4c578616c"), ni, nr);
        Assert.Equal("2d63f6debc92048b4fef3889c4c99ca67d6496e0fac14a2bca9a2d6566ff2398", Hex.Of(rekey));
    }

    // The same NIST sample chain for HMAC-SHA-384, from NSS ike_sha384_vectors.h cases 6-9
    // ("these vectors are from this NIST samples"): SK_d is 48 bytes here.
    [Fact]
    public void NistSample_Sha384_Chain()
    {
        var prf = new Prf(PrfAlgorithm.HmacSha384);
        byte[] ni = Hex.Parse("fd1b572a8e735591"), nr = Hex.Parse("6013b0ef88dacd3d");
        byte[] skeyseed = KeyDerivation.Skeyseed(prf, ni, nr, Hex.Parse("d3288cd87565101e88fe3bad918f31939d8dd26ff1071f8b2d7f447524e58d7c"));
        Assert.Equal("69fe7a1ac94adaeb711295f5fe004b1a8d6a0b65d05692758ce8ad2f7a45f59d7d0b596f51f7dfcf3330061888f6a94f", Hex.Of(skeyseed));
        IkeSaKeys keys = KeyDerivation.DeriveIkeSaKeys(prf, skeyseed, ni, nr, 0x2116ad07ce61f749, 0x24880e55f11a65b7, 36, 0);
        Assert.Equal("4f904c2025c90c817ea5ff9b662a6fdb445a73b57cdf09eacd379b95e1f03cacb04cd6deeda4f952191dd9bc1f7a9502", Hex.Of(keys.SkD));
        // Case 8's 132-byte stream continues with SK_ei (AES-GCM-256 key + salt).
        Assert.Equal("471a648d74dc06d38112de48a42501f6b1a3ad55c2099cd9a648e5f17e5bf3e34bf9b595", Hex.Of(keys.SkEi));
        byte[] rekey = KeyDerivation.RekeySkeyseed(prf, keys.SkD, Hex.Parse("3358f620539473aee8d07e779764c4c6a9aabddc79a28e136b3bac021dbde44a"), ni, nr);
        Assert.Equal("e0548c1682e13bce454026b3b1bdf42985b24e4e7408095a7c529de38c3d1fcb04c9fe6868042a34c9614c6c99e3fcea", Hex.Of(rekey));
    }

    [Fact]
    public void Clear_ZeroesEveryKey()
    {
        var prf = new Prf(PrfAlgorithm.HmacSha512);
        IkeSaKeys keys = KeyDerivation.DeriveIkeSaKeys(prf, new byte[64], [1], [2], 1, 2, 16, 32);
        keys.Clear();
        foreach (byte[] k in new[] { keys.SkD, keys.SkAi, keys.SkAr, keys.SkEi, keys.SkEr, keys.SkPi, keys.SkPr })
            Assert.All(k, b => Assert.Equal(0, b));
    }
}
