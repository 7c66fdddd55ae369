namespace Appliance.Ike.Tests.Eap;

/// <summary>
/// Which stock clients the remote-access profiles let in (issue #15 item 6), in memory: each client offers what its OS
/// sends, the box offers <see cref="ClientProfiles"/>' proposals for the standard or the weak Windows profile.
/// </summary>
public sealed class ClientProfileTests
{
    private static RemoteAccessNet Box(string profile) =>
        new(boxIke: ClientProfiles.Ike([], profile), boxEsp: ClientProfiles.Esp([], profile));

    // macOS/iOS default IKEv2 (no profile): AES-256/SHA2-256/MODP-2048; with a configuration profile ECP-256.
    // strongSwan for Android: AES-GCM with Curve25519. Windows after Set-VpnConnectionIPsecConfiguration
    // -EncryptionMethod AES256 -IntegrityCheckMethod SHA256 -DHGroup Group14 -CipherTransformConstants GCMAES256 -PfsGroup None.
    [Theory]
    [InlineData("aes256-sha256-modp2048", "aes256-sha256", "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048")]
    [InlineData("aes256-sha256-ecp256", "aes256-sha256", "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256")]
    [InlineData("aes256gcm16-prfsha256-curve25519", "aes256gcm16", "AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519")]
    [InlineData("aes256-sha256-modp2048", "aes256gcm16", "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048")]
    public void The_standard_profile_lets_in_macOS_iOS_Android_and_strong_Windows(string ike, string esp, string suite)
    {
        foreach (string profile in ClientProfiles.Names)
        {
            using RemoteAccessNet net = Box(profile);
            var client = net.AddClient("alice", "alice's long passphrase", ike: ike, esp: esp);
            net.Connect(client);
            RemoteAccessClientStatus status = Assert.Single(Assert.Single(net.Box.GetStatus().Tunnels).Clients);
            Assert.Equal(suite, status.IkeSa.Suite);
            Assert.False(ClientProfiles.IsWeakSuite(status.IkeSa.Suite));
            Assert.False(ClientProfiles.IsWeakSuite(Assert.Single(status.ChildSas).Suite));
        }
    }

    // Windows 10/11 stock IKEv2: IKE 3des/aes256-sha1/sha256-modp1024, ESP aes256/3des-sha1 (3DES is not ours to offer).
    [Theory]
    [InlineData("aes256-sha1-modp1024", "aes256-sha1", "AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024", "AES_CBC-256/HMAC_SHA1_96")]
    [InlineData("aes256-sha256-modp1024", "aes256-sha1", "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_1024", "AES_CBC-256/HMAC_SHA1_96")]
    public void Windows_stock_is_refused_by_default_and_let_in_by_the_weak_profile_which_the_status_marks(string ike, string esp,
        string ikeSuite, string childSuite)
    {
        using (RemoteAccessNet strict = Box(ClientProfiles.Standard))
        {
            var windows = strict.AddClient("alice", "alice's long passphrase", ike: ike, esp: esp);
            strict.Connect(windows);
            Assert.Empty(Assert.Single(strict.Box.GetStatus().Tunnels).Clients);
            Assert.NotEmpty(windows.Events.OfType<NoProposalChosen>());
            Assert.Equal(1, strict.Box.Counters[IkeCounter.NoProposalChosen]);
        }
        using RemoteAccessNet weak = Box(ClientProfiles.WeakWindowsStock);
        var client = weak.AddClient("alice", "alice's long passphrase", ike: ike, esp: esp);
        weak.Connect(client);
        RemoteAccessClientStatus status = Assert.Single(Assert.Single(weak.Box.GetStatus().Tunnels).Clients);
        Assert.Equal(ikeSuite, status.IkeSa.Suite);
        ChildSaStatus child = Assert.Single(status.ChildSas);
        Assert.StartsWith(childSuite, child.Suite);
        Assert.True(ClientProfiles.IsWeakSuite(status.IkeSa.Suite) || ClientProfiles.IsWeakSuite(child.Suite));
        // The Child SA's keys are as long as SHA-1 needs (RFC 2404: 160-bit key) on both ends.
        ChildSaInfo box = Assert.Single(weak.BoxEvents.OfType<ChildSaEstablished>()).Child;
        Assert.Equal(20, box.Inbound.IntegrityKey.Length);
        Assert.Equal(box.Inbound.IntegrityKey, Assert.Single(client.Events.OfType<ChildSaEstablished>()).Child.Outbound.IntegrityKey);
    }

    [Fact]
    public void Configured_proposals_replace_the_standard_set_and_the_weak_ones_come_only_with_the_profile()
    {
        Assert.Equal(["aes128gcm16-prfsha256-x25519"], ClientProfiles.Ike(["aes128gcm16-prfsha256-x25519"], null));
        Assert.Equal(ClientProfiles.StandardIke, ClientProfiles.Ike([], "standard"));
        Assert.Equal([.. ClientProfiles.StandardEsp, .. ClientProfiles.WeakEsp], ClientProfiles.Esp([], "weak-windows-stock"));
        Assert.DoesNotContain(ClientProfiles.StandardIke, p => p.Contains("sha1") || p.Contains("modp1024"));
    }
}
