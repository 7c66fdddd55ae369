using System.Net;
using Appliance.Ike.Messages;

namespace Appliance.Ike.Tests.Interop;

/// <summary>A charon whose IPsec backend is kernel-netlink: no faked NAT, so AH can be negotiated (see <see cref="AhInteropTests"/>).</summary>
public sealed class NetlinkCharon : IDisposable
{
    public CharonPeer Charon { get; } = new(kernelLibipsec: false, tagSuffix: "n");
    public void Dispose() => Charon.Dispose();
}

[CollectionDefinition("charon-netlink", DisableParallelization = true)]
public sealed class NetlinkCharonCollection : ICollectionFixture<NetlinkCharon>;

[Collection("charon-netlink")]
public sealed class AhInteropTests(NetlinkCharon fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private CharonPeer Charon => fixture.Charon;

    private static IkeTunnelConfig Config(bool initiator) =>
        new IkeTunnelConfig("t", IPAddress.Parse(CharonPeer.EngineAddress), initiator ? IPAddress.Parse(CharonPeer.CharonAddress) : null,
            IkeIdentity.Parse("ah.example.com"), IkeIdentity.Parse("b.example.com"), System.Text.Encoding.UTF8.GetBytes(CharonPeer.Psk),
            [TrafficSelector.Parse("10.1.0.0/16")], [TrafficSelector.Parse("10.2.0.0/16")], ["aes256gcm16-prfsha256-curve25519"], [],
            StartAction.None, IpsecMode.Tunnel, ForceUdpEncapsulation: false) { AhProposals = ["sha256"] };

    private string LogSince(long offset)
    {
        Thread.Sleep(200); // charon writes its log from its own threads
        using var f = new FileStream(Charon.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        f.Seek(offset, SeekOrigin.Begin);
        return new StreamReader(f).ReadToEnd();
    }

    private long LogLength => new FileInfo(Charon.LogPath).Length;

    /// <summary>
    /// Charon initiates a Child SA with ah_proposals = sha256; we answer as responder. Charon must select our AH reply
    /// and derive the same integrity keys. Then either its kernel installs the AH SAs (swanctl lists them with our
    /// SPIs), or, on a kernel without AH (this machine: "Protocol not supported"), charon deletes the Child SA again with
    /// an AH Delete naming our outbound SPI, which we must recognise and answer.
    /// </summary>
    [Fact]
    public async Task Charon_initiates_an_ah_child_sa_and_agrees_on_spis_and_keys()
    {
        long from = LogLength;
        using var host = new UdpEngineHost(Charon, Config(initiator: false));
        var initiate = Task.Run(() => Charon.Swanctl("--initiate --ike ah --child ahnet --timeout 15"));
        Assert.True(host.RunUntil(() => host.Events.OfType<ChildSaEstablished>().Any() && initiate.IsCompleted, Timeout));
        output.WriteLine(await initiate);
        ChildSaInfo child = host.Events.OfType<ChildSaEstablished>().Single().Child;
        Assert.Equal(ProtocolId.Ah, child.Protocol);
        Assert.Equal("HMAC_SHA2_256_128", child.Suite);
        Assert.False(child.UdpEncapsulation);

        string log = LogSince(from);
        Assert.Contains("selected proposal: AH:HMAC_SHA2_256_128/NO_EXT_SEQ", log);
        Assert.Contains("adding inbound AH SA", log);
        Assert.Contains($"SPI 0x{child.OutboundSpi:x8}", log); // charon's inbound is our outbound
        Assert.Contains($"SPI 0x{child.InboundSpi:x8}", log);
        // charon started this exchange, so its "initiator" key is the one it sends with: our inbound.
        (string encI, string encR, string integI, string integR) = Charon.ChildKeys(child.OutboundSpi);
        Assert.Equal("", encI + encR); // RFC 7296 §2.17: AH takes no encryption keys
        Assert.Equal(integI, Convert.ToHexString(child.Inbound.IntegrityKey));
        Assert.Equal(integR, Convert.ToHexString(child.Outbound.IntegrityKey));

        if (log.Contains("unable to add SAD entry", StringComparison.Ordinal))
        {
            output.WriteLine("charon's kernel has no AH: checking its AH Delete instead of swanctl --list-sas");
            Assert.True(host.RunUntil(() => host.Events.OfType<ChildSaDeleted>().Any(), Timeout));
            Assert.Equal(child.InboundSpi, host.Events.OfType<ChildSaDeleted>().Single().InboundSpi);
            log = LogSince(from);
            Assert.Contains($"sending DELETE for AH CHILD_SA with SPI {child.OutboundSpi:x8}", log);
            Assert.Contains("parsed INFORMATIONAL response 2 [ D ]", log); // we answered with our own AH Delete
        }
        else
        {
            string sas = Charon.Swanctl("--list-sas --ike ah");
            output.WriteLine(sas);
            Assert.Contains("AH:HMAC_SHA2_256_128", sas);
            Assert.Contains($"in  {child.OutboundSpi:x8}", sas);
            Assert.Contains($"out {child.InboundSpi:x8}", sas);
        }

        host.Engine.Terminate("t");
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Any(), Timeout));
    }

    /// <summary>We initiate with AH only; charon selects it from our SA payload (and installs it if its kernel can).</summary>
    [Fact]
    public void Charon_selects_our_ah_proposal_when_we_initiate()
    {
        long from = LogLength;
        using var host = new UdpEngineHost(Charon, Config(initiator: true));
        host.Engine.Initiate("t");
        Assert.True(host.RunUntil(() => host.Events.Any(e => e is ChildSaEstablished or NoProposalChosen or IkeSaFailed or PeerUnreachable), Timeout));
        foreach (IkeEvent e in host.Events) output.WriteLine(e.ToString());
        string log = LogSince(from);
        Assert.Contains("received proposals: AH:HMAC_SHA2_256_128/NO_EXT_SEQ", log);
        Assert.Contains("selected proposal: AH:HMAC_SHA2_256_128/NO_EXT_SEQ", log);
        if (log.Contains("unable to add SAD entry", StringComparison.Ordinal))
        {
            // charon answers the failed install with NO_PROPOSAL_CHOSEN; the IKE SA stays (RFC 7296 §2.21.2).
            Assert.Single(host.Events.OfType<NoProposalChosen>());
            Assert.Single(host.Events.OfType<IkeSaEstablished>());
        }
        else
        {
            ChildSaInfo child = host.Events.OfType<ChildSaEstablished>().Single().Child;
            Assert.Equal(ProtocolId.Ah, child.Protocol);
            (_, _, string integI, string integR) = Charon.ChildKeys(child.OutboundSpi);
            Assert.Equal(integI, Convert.ToHexString(child.Outbound.IntegrityKey));
            Assert.Equal(integR, Convert.ToHexString(child.Inbound.IntegrityKey));
            Assert.Contains($"in  {child.OutboundSpi:x8}", Charon.Swanctl("--list-sas --ike ah"));
        }
        host.Engine.Terminate("t");
        Assert.True(host.RunUntil(() => host.Events.OfType<IkeSaDeleted>().Any(), Timeout));
    }
}
