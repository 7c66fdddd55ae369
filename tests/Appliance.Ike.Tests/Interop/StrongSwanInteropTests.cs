using System.Net;

namespace Appliance.Ike.Tests.Interop;

[CollectionDefinition("charon", DisableParallelization = true)]
public sealed class CharonCollection : ICollectionFixture<CharonPeer>;

/// <summary>
/// The engine against a real strongSwan 5.9.8 charon (the product's reference peer) in network namespaces.
/// Needs root and tools/install-deps.sh (CI has both). No public vector exists for the PSK AUTH payload
/// (TESTING.md §1): these tests are its proof, and they compare the derived Child SA keys with charon's own.
/// </summary>
[Collection("charon")]
public sealed class StrongSwanInteropTests(CharonPeer charon, Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static IkeTunnelConfig Config(string ike, string esp, string localId = "a.example.com", bool initiator = true) =>
        new("t", IPAddress.Parse(CharonPeer.EngineAddress), initiator ? IPAddress.Parse(CharonPeer.CharonAddress) : null,
            IkeIdentity.Parse(localId), IkeIdentity.Parse("b.example.com"), System.Text.Encoding.UTF8.GetBytes(CharonPeer.Psk),
            [TrafficSelector.Parse("10.1.0.0/16")], [TrafficSelector.Parse("10.2.0.0/16")], [ike], [esp],
            StartAction.None, IpsecMode.Tunnel, ForceUdpEncapsulation: false);

    [Theory]
    [InlineData("aes256gcm16-prfsha256-curve25519", "aes256gcm16")]
    [InlineData("aes128-sha256-modp2048", "aes128-sha256")]
    [InlineData("chacha20poly1305-prfsha512-ecp384", "chacha20poly1305")]
    [InlineData("aes128gcm16-prfsha384-ecp256", "aes128gcm16")]
    [InlineData("aes256-sha512-curve25519", "aes256-sha512")]
    [InlineData("aes256-sha384-ecp521", "aes256-sha384")]
    public void Initiator_establishes_with_charon_and_derives_the_same_child_keys(string ike, string esp)
    {
        using var host = new UdpEngineHost(charon, Config(ike, esp));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        host.Engine.Initiate("t");
        Assert.True(host.RunUntil(() => host.Events.Any(e => e is ChildSaEstablished or IkeSaFailed or AuthenticationFailed or NoProposalChosen or PeerUnreachable), Timeout),
            "no outcome within the timeout");
        output.WriteLine($"{ike}/{esp}: IKE_SA_INIT + IKE_AUTH with charon in {clock.Elapsed.TotalMilliseconds:F1} ms");
        ChildSaInfo child = Assert.Single(host.Events.OfType<ChildSaEstablished>()).Child;
        // kernel-libipsec makes charon fake a NAT, so both sides must have moved to UDP encapsulation on 4500.
        Assert.True(child.UdpEncapsulation);
        Assert.Equal(4500, child.RemoteEndpoint.Port);
        Assert.Contains(host.Engine.GetStatus().Tunnels[0].IkeSa!.Suite!, host.Events.OfType<IkeSaEstablished>().Single().Suite);

        (string encI, string encR, string integI, string integR) = charon.ChildKeys(child.OutboundSpi);
        Assert.Equal(encI, Convert.ToHexString([.. child.Outbound.EncryptionKey, .. child.Outbound.Salt]));
        Assert.Equal(encR, Convert.ToHexString([.. child.Inbound.EncryptionKey, .. child.Inbound.Salt]));
        if (child.IntegrityTransformId != 0)
        {
            Assert.Equal(integI, Convert.ToHexString(child.Outbound.IntegrityKey));
            Assert.Equal(integR, Convert.ToHexString(child.Inbound.IntegrityKey));
        }
        string sas = charon.Swanctl("--list-sas --ike box");
        Assert.Contains($"in  {child.OutboundSpi:x8}", sas);
        Assert.Contains($"out {child.InboundSpi:x8}", sas);

        host.Engine.Terminate("t");
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Any(), Timeout));
        Assert.DoesNotContain(child.InboundSpi.ToString("x8"), charon.Swanctl("--list-sas --ike box"));
    }

    [Fact]
    public async Task Responder_accepts_charons_initiation_and_charon_can_delete()
    {
        using var host = new UdpEngineHost(charon, Config("aes256gcm16-prfsha256-curve25519", "aes256gcm16", initiator: false));
        var initiate = Task.Run(() => charon.Swanctl("--initiate --ike box --child net --timeout 15"));
        Assert.True(host.RunUntil(() => host.Events.OfType<ChildSaEstablished>().Any() && initiate.IsCompleted, Timeout));
        Assert.Contains("initiate completed successfully", await initiate);
        IkeSaEstablished ike = host.Events.OfType<IkeSaEstablished>().Single();
        Assert.False(ike.IsInitiator);
        Assert.Equal("b.example.com", ike.RemoteId.ToString());

        var terminate = Task.Run(() => charon.Swanctl("--terminate --ike box --timeout 15"));
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Any() && terminate.IsCompleted, Timeout));
        Assert.Contains("terminate completed successfully", await terminate);
        Assert.Single(host.Events.OfType<ChildSaDeleted>());
    }

    [Fact]
    public async Task Charon_rekeys_child_and_ike_sa_and_both_derive_the_same_new_keys()
    {
        using var host = new UdpEngineHost(charon, Config("aes128-sha256-modp2048", "aes128-sha256"));
        host.Engine.Initiate("t");
        Assert.True(host.RunUntil(() => host.Events.OfType<ChildSaEstablished>().Any(), Timeout));
        ChildSaInfo first = host.Events.OfType<ChildSaEstablished>().Single().Child;

        var rekey = Task.Run(() => charon.Swanctl("--rekey --child net"));
        Assert.True(host.RunUntil(() => host.Events.OfType<ChildSaDeleted>().Any() && rekey.IsCompleted, Timeout));
        await rekey;
        ChildSaEstablished second = host.Events.OfType<ChildSaEstablished>().Last();
        Assert.Equal(first.InboundSpi, second.RekeyOfInboundSpi);
        ChildSaDeleted replaced = Assert.Single(host.Events.OfType<ChildSaDeleted>());
        Assert.Equal(first.InboundSpi, replaced.InboundSpi);
        Assert.True(replaced.Replaced);
        ChildSaInfo child = second.Child;
        // charon started this CREATE_CHILD_SA, so its "initiator" keys are the ones it sends with: our inbound.
        (string encI, string encR, string integI, string integR) = charon.ChildKeys(child.OutboundSpi);
        Assert.Equal(encI, Convert.ToHexString(child.Inbound.EncryptionKey));
        Assert.Equal(encR, Convert.ToHexString(child.Outbound.EncryptionKey));
        Assert.Equal(integI, Convert.ToHexString(child.Inbound.IntegrityKey));
        Assert.Equal(integR, Convert.ToHexString(child.Outbound.IntegrityKey));
        Assert.Contains($"in  {child.OutboundSpi:x8}", charon.Swanctl("--list-sas --ike box"));

        // IKE SA rekey (§2.18): charon makes a new IKE SA, deletes the old one; the Child SA moves over.
        IkeSaEstablished before = host.Events.OfType<IkeSaEstablished>().Single();
        var ikeRekey = Task.Run(() => charon.Swanctl("--rekey --ike box"));
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Any() && ikeRekey.IsCompleted, Timeout));
        await ikeRekey;
        IkeSaEstablished after = host.Events.OfType<IkeSaEstablished>().Last();
        Assert.NotEqual(before.InitiatorSpi, after.InitiatorSpi);
        IkeSaDeleted oldIke = Assert.Single(host.Events.OfType<IkeSaDeleted>());
        Assert.Equal(before.ResponderSpi, oldIke.ResponderSpi);
        Assert.True(oldIke.Replaced);
        Assert.Single(host.Events.OfType<ChildSaDeleted>()); // only the rekeyed-away Child SA
        string sas = charon.Swanctl("--list-sas --ike box");
        Assert.Contains($"{after.InitiatorSpi:x16}_i", sas);
        Assert.Contains($"in  {child.OutboundSpi:x8}", sas);

        // The new IKE SA carries protected exchanges both ways: a liveness check, then our DELETE.
        long received = host.Engine.Counters[IkeCounter.DatagramsReceived];
        host.Engine.CheckLiveness("t");
        Assert.True(host.RunUntil(() => host.Engine.Counters[IkeCounter.DatagramsReceived] == received + 1, Timeout));
        Assert.Equal(0, host.Engine.Counters[IkeCounter.IntegrityCheckFailed]);
        Assert.Equal(IkeSaState.Established, host.Engine.GetStatus().Tunnels[0].IkeSa!.State);
        host.Engine.Terminate("t");
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Count() == 2, Timeout));
        Assert.DoesNotContain($"{after.InitiatorSpi:x16}", charon.Swanctl("--list-sas --ike box"));
    }

    [Theory]
    [InlineData("aes128-sha256")]
    [InlineData("aes256gcm16-ecp256")] // with PFS
    public void Our_own_child_sa_rekey_is_accepted_by_charon_with_the_same_keys(string esp)
    {
        var options = new IkeEngineOptions { ChildSaRekeyTime = TimeSpan.FromSeconds(2), RekeyJitter = 0 };
        using var host = new UdpEngineHost(charon, Config("aes256gcm16-prfsha256-curve25519", esp), options);
        host.Engine.Initiate("t");
        Assert.True(host.RunUntil(() => host.Events.OfType<ChildSaDeleted>().Any(), Timeout));
        ChildSaEstablished[] made = [.. host.Events.OfType<ChildSaEstablished>()];
        Assert.True(made.Length >= 2);
        Assert.Equal(made[0].Child.InboundSpi, made[1].RekeyOfInboundSpi);
        ChildSaInfo child = made[1].Child;
        // We started this CREATE_CHILD_SA: charon's "initiator" keys are our outbound ones.
        (string encI, string encR, string integI, string integR) = charon.ChildKeys(child.OutboundSpi);
        Assert.Equal(encI, Convert.ToHexString([.. child.Outbound.EncryptionKey, .. child.Outbound.Salt]));
        Assert.Equal(encR, Convert.ToHexString([.. child.Inbound.EncryptionKey, .. child.Inbound.Salt]));
        if (child.IntegrityTransformId != 0)
        {
            Assert.Equal(integI, Convert.ToHexString(child.Outbound.IntegrityKey));
            Assert.Equal(integR, Convert.ToHexString(child.Inbound.IntegrityKey));
        }
        string sas = charon.Swanctl("--list-sas --ike box");
        Assert.Contains($"in  {child.OutboundSpi:x8}", sas); // (charon keeps the old inbound SA a few seconds: delete_rekeyed_delay)
        host.Engine.Terminate("t");
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Any(), Timeout));
    }

    [Fact]
    public void Our_own_ike_sa_rekey_is_accepted_by_charon()
    {
        var options = new IkeEngineOptions { IkeSaRekeyTime = TimeSpan.FromSeconds(2), RekeyJitter = 0 };
        using var host = new UdpEngineHost(charon, Config("aes128-sha256-modp2048", "aes128-sha256"), options);
        host.Engine.Initiate("t");
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Any(), Timeout));
        IkeSaEstablished[] made = [.. host.Events.OfType<IkeSaEstablished>()];
        Assert.Equal(2, made.Length);
        Assert.Equal(made[0].InitiatorSpi, host.Events.OfType<IkeSaDeleted>().Single().InitiatorSpi);
        Assert.Empty(host.Events.OfType<ChildSaDeleted>());
        ChildSaInfo child = host.Events.OfType<ChildSaEstablished>().Single().Child;
        string sas = charon.Swanctl("--list-sas --ike box");
        Assert.Contains($"{made[1].InitiatorSpi:x16}_i", sas);
        Assert.Contains($"in  {child.OutboundSpi:x8}", sas);
        // The new IKE SA works: our DELETE over it is understood and answered.
        host.Engine.Terminate("t");
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Count() == 2, Timeout));
        Assert.DoesNotContain($"{made[1].InitiatorSpi:x16}", charon.Swanctl("--list-sas --ike box"));
    }

    [Fact]
    public void Both_sides_rekeying_child_and_ike_sas_every_few_seconds_stay_in_step_with_charon()
    {
        // charon's "fast" connection rekeys its IKE SA every ~9 s and the Child SA every ~5 s (minus rand_time);
        // we rekey the Child SA every ~4 s and the IKE SA every ~11 s: collisions of every kind happen.
        var options = new IkeEngineOptions { ChildSaRekeyTime = TimeSpan.FromSeconds(4), IkeSaRekeyTime = TimeSpan.FromSeconds(11) };
        using var host = new UdpEngineHost(charon, Config("aes128-sha256-modp2048", "aes128-sha256", localId: "fast.example.com"), options);
        host.Engine.Initiate("t");
        Assert.True(host.RunUntil(() => host.Events.OfType<ChildSaEstablished>().Any(), Timeout));
        host.RunUntil(() => false, TimeSpan.FromSeconds(30));
        // Compare at a quiet moment: one established IKE SA with exactly one Child SA (no rekey half done).
        Assert.True(host.RunUntil(() => host.Engine.GetStatus().Tunnels[0] is { IkeSa.State: IkeSaState.Established, ChildSas.Count: 1 }, Timeout));

        Assert.Empty(host.Events.OfType<PeerUnreachable>());
        Assert.Equal(0, host.Engine.Counters[IkeCounter.InternalError]);
        string summary = string.Join(", ", host.Events.GroupBy(e => e.GetType().Name).Select(g => $"{g.Key}={g.Count()}"))
            + " | " + string.Join(", ", host.Engine.Counters.Snapshot().Values.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key}={kv.Value}"))
            + " | " + string.Join(" ; ", host.Events.Select(e => e.ToString().Split(", Suite")[0].Split(", Child = ")[0]));
        output.WriteLine(summary.Split(" | ")[0] + " | " + summary.Split(" | ")[1]);
        Assert.True(host.Events.OfType<IkeSaDeleted>().Count() >= 3, "IKE SAs were rekeyed: " + summary);
        Assert.True(host.Events.OfType<ChildSaDeleted>().Count() >= 5, "Child SAs were rekeyed: " + summary);
        TunnelStatus ours = host.Engine.GetStatus().Tunnels[0];
        string sas = charon.Swanctl("--list-sas --ike fast");
        Assert.Contains($"{ours.IkeSa!.InitiatorSpi:x16}_i", sas);
        ChildSaStatus child = Assert.Single(ours.ChildSas);
        Assert.Contains($"in  {child.OutboundSpi:x8}", sas);
        Assert.Contains($"out {child.InboundSpi:x8}", sas);
        host.Engine.Terminate("t");
        Assert.True(host.RunUntil(() => host.Engine.GetStatus().Tunnels[0].IkeSa is null, Timeout));
    }

    [Fact]
    public void Wrong_psk_is_refused_by_charon_with_AUTHENTICATION_FAILED()
    {
        using var host = new UdpEngineHost(charon, Config("aes256gcm16-prfsha256-curve25519", "aes256gcm16", localId: "liar.example.com"));
        host.Engine.Initiate("t");
        Assert.True(host.RunUntil(() => host.Events.OfType<AuthenticationFailed>().Any(), Timeout));
        Assert.Empty(host.Events.OfType<IkeSaEstablished>());
        Assert.Equal(1, host.Engine.Counters[IkeCounter.AuthenticationFailed]);
    }

    [Fact]
    public async Task Charon_with_the_wrong_psk_is_refused_by_the_responder()
    {
        IkeTunnelConfig config = Config("aes256gcm16-prfsha256-curve25519", "aes256gcm16", initiator: false) with
        {
            Psk = "some other secret"u8.ToArray(),
        };
        using var host = new UdpEngineHost(charon, config);
        var initiate = Task.Run(() => charon.Swanctl("--initiate --ike box --child net --timeout 15"));
        Assert.True(host.RunUntil(() => host.Events.OfType<AuthenticationFailed>().Any() && initiate.IsCompleted, Timeout));
        Assert.Contains("AUTHENTICATION_FAILED", await initiate);
    }

    [Fact]
    public void No_common_proposal_is_reported_by_charon_as_NO_PROPOSAL_CHOSEN()
    {
        using var host = new UdpEngineHost(charon, Config("aes256-sha384-ecp384", "aes256-sha384"));
        host.Engine.Initiate("t");
        Assert.True(host.RunUntil(() => host.Events.OfType<NoProposalChosen>().Any(), Timeout));
        Assert.Empty(host.Events.OfType<IkeSaEstablished>());
    }
}
