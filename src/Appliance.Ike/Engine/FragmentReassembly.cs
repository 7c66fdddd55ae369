using System.Security.Cryptography;
using Appliance.Ike.Messages;

namespace Appliance.Ike;

/// <summary>
/// The verified fragments of one message in one direction (RFC 7383 §2.6). Bounded: a peer can make us hold at most
/// <see cref="MaxFragments"/> fragments and <paramref name="maxOctets"/> (at most <see cref="MaxOctets"/>) octets per direction
/// and IKE SA.
/// </summary>
internal sealed class FragmentReassembly(uint messageId, ushort total, int maxOctets = FragmentReassembly.MaxOctets) : IDisposable
{
    public const int MaxFragments = 64;
    public const int MaxOctets = 64 * 1024;

    private readonly byte[]?[] _chunks = new byte[]?[total];
    private int _count;
    private int _octets;

    public uint MessageId { get; } = messageId;
    public ushort Total { get; } = total;
    /// <summary>The first inner payload's type, from fragment 1's Next Payload.</summary>
    public PayloadType FirstInner { get; private set; }
    public bool IsComplete => _count == Total;

    public enum AddResult { Stored, Duplicate, TooLarge }

    /// <summary>Keeps a verified fragment's plaintext (taking ownership of it).</summary>
    public AddResult Add(ushort number, PayloadType nextPayload, byte[] plaintext)
    {
        int index = number - 1;
        if (_chunks[index] is not null)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return AddResult.Duplicate;
        }
        if (_octets + plaintext.Length > maxOctets)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return AddResult.TooLarge;
        }
        _chunks[index] = plaintext;
        _octets += plaintext.Length;
        _count++;
        if (number == 1)
            FirstInner = nextPayload;
        return AddResult.Stored;
    }

    /// <summary>The inner payload chain: the fragments' plaintexts in order.</summary>
    public byte[] Concatenate()
    {
        var whole = new byte[_octets];
        int offset = 0;
        foreach (byte[]? chunk in _chunks)
        {
            chunk!.CopyTo(whole, offset);
            offset += chunk.Length;
        }
        return whole;
    }

    public void Dispose()
    {
        foreach (byte[]? chunk in _chunks)
            if (chunk is not null)
                CryptographicOperations.ZeroMemory(chunk);
        Array.Clear(_chunks);
    }
}
