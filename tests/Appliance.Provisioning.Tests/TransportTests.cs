using System.IO.Pipes;
using System.Text;

namespace Appliance.Provisioning.Tests;

public class TransportTests
{
    /// <summary>One end of a link made of two pipes: what the test writes the transport reads, and back.</summary>
    private sealed class Link : IDisposable
    {
        private readonly AnonymousPipeServerStream _toBox = new(PipeDirection.Out);
        private readonly AnonymousPipeServerStream _fromBox = new(PipeDirection.In);

        public Link()
        {
            BoxSide = new PipeDuplexStream(new AnonymousPipeClientStream(PipeDirection.In, _toBox.ClientSafePipeHandle),
                new AnonymousPipeClientStream(PipeDirection.Out, _fromBox.ClientSafePipeHandle));
            Reader = new StreamReader(_fromBox, Encoding.ASCII);
        }

        public Stream BoxSide { get; }
        public StreamReader Reader { get; }

        public void Send(string text)
        {
            _toBox.Write(Encoding.ASCII.GetBytes(text));
            _toBox.Flush();
        }

        /// <summary>The cable is pulled: the box reads end of stream.</summary>
        public void Yank() => _toBox.Dispose();

        public async Task<string> ReadLineAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return (await Reader.ReadLineAsync(timeout.Token))!;
        }

        public void Dispose()
        {
            _toBox.Dispose();
            _fromBox.Dispose();
            BoxSide.Dispose();
        }
    }

    [Fact]
    public async Task YankedCableMidPem_EndsTheRun_StagedChangesStay_PemIsDropped()
    {
        using var box = new TestBox();
        using var ca = new TestCa();
        var session = box.NewSession();
        var transport = new ProvisioningTransport(session, TimeProvider.System, box.Logger);

        using (var link = new Link())
        {
            Task run = transport.RunAsync(link.BoxSide, CancellationToken.None);
            Assert.Equal("APPLIANCE-PROVISION 1 APL-0001 0.1.0", await link.ReadLineAsync());
            link.Send("SET Appliance:Board simulated\r\n");
            Assert.Equal("OK staged Appliance:Board", await link.ReadLineAsync());
            link.Send("CACERT\n" + string.Join('\n', Pem.Lines(ca.Pem).Take(3)) + "\n" + "SET Appliance:Tunnels:hq:Psk half-sent sec");
            await Task.Delay(200);
            Assert.True(session.IsReceivingPem);
            link.Yank();
            await run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        Assert.False(session.IsReceivingPem);
        Assert.False(File.Exists(box.Layout.CaCertificate));
        Assert.False(File.Exists(box.Layout.FactoryConfig));

        using (var link = new Link()) // plugged back in
        {
            Task run = transport.RunAsync(link.BoxSide, CancellationToken.None);
            Assert.StartsWith("APPLIANCE-PROVISION 1", await link.ReadLineAsync());
            link.Send("GET Appliance:Board\nGET Appliance:Tunnels:hq:Psk\n");
            Assert.Equal("OK simulated", await link.ReadLineAsync());
            Assert.Equal("OK <unset>", await link.ReadLineAsync());
            link.Yank();
            await run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        box.Logger.AssertNoneContains("half-sent");
    }

    [Fact]
    public async Task Cancellation_StopsTheRun()
    {
        using var box = new TestBox();
        var transport = new ProvisioningTransport(box.NewSession(), TimeProvider.System, box.Logger);
        using var link = new Link();
        using var cts = new CancellationTokenSource();
        Task run = transport.RunAsync(link.BoxSide, cts.Token);
        Assert.StartsWith("APPLIANCE-PROVISION", await link.ReadLineAsync());
        cts.Cancel();
        link.Yank(); // an anonymous pipe read ignores cancellation; the closing end releases it
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
