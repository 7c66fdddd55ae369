using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace Appliance.Ike.Exchanges;

/// <summary>NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | Port) (RFC 7296 §2.23).</summary>
internal static class NatDetection
{
    public static byte[] Hash(ulong spiI, ulong spiR, IPEndPoint endpoint)
    {
        Span<byte> input = stackalloc byte[16 + 16 + 2];
        BinaryPrimitives.WriteUInt64BigEndian(input, spiI);
        BinaryPrimitives.WriteUInt64BigEndian(input[8..], spiR);
        endpoint.Address.TryWriteBytes(input[16..], out int n);
        BinaryPrimitives.WriteUInt16BigEndian(input[(16 + n)..], (ushort)endpoint.Port);
        return SHA1.HashData(input[..(16 + n + 2)]);
    }

    public static bool Matches(ReadOnlySpan<byte> received, ulong spiI, ulong spiR, IPEndPoint endpoint) =>
        CryptographicOperations.FixedTimeEquals(received, Hash(spiI, spiR, endpoint));
}
