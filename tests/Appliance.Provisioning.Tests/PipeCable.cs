using System.IO.Pipes;

namespace Appliance.Provisioning.Tests;

/// <summary>A null-modem cable made of two anonymous pipes: each side reads what the other writes.</summary>
internal sealed class PipeCable : IDisposable
{
    private readonly AnonymousPipeServerStream _toBox = new(PipeDirection.Out);
    private readonly AnonymousPipeServerStream _toStation = new(PipeDirection.Out);

    public PipeCable()
    {
        BoxSide = new PipeDuplexStream(new AnonymousPipeClientStream(PipeDirection.In, _toBox.ClientSafePipeHandle), _toStation);
        StationSide = new PipeDuplexStream(new AnonymousPipeClientStream(PipeDirection.In, _toStation.ClientSafePipeHandle), _toBox);
    }

    public Stream BoxSide { get; }
    public Stream StationSide { get; }

    /// <summary>Both directions see end of stream.</summary>
    public void Cut()
    {
        _toBox.Dispose();
        _toStation.Dispose();
    }

    public void Dispose()
    {
        Cut();
        BoxSide.Dispose();
        StationSide.Dispose();
    }
}

internal sealed class PipeDuplexStream(Stream input, Stream output) : Stream
{
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => output.Flush();
    public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);
    public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    protected override void Dispose(bool disposing)
    {
        if (disposing) { input.Dispose(); output.Dispose(); }
        base.Dispose(disposing);
    }
}

