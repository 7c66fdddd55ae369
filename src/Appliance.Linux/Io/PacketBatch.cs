using System.Runtime.InteropServices;
using Appliance.Linux.Native;

namespace Appliance.Linux.Io;

/// <summary>
/// A fixed set of equally sized packet slots in native memory with the iovec/mmsghdr arrays that
/// recvmmsg/sendmmsg need, so one syscall moves a whole batch and the data path never allocates.
/// Each slot keeps headroom in front of its packet so headers can be written in place.
/// </summary>
internal sealed unsafe class PacketBatch : IDisposable
{
    private const int NameSize = 32;
    private readonly byte* _data;
    private readonly IoVec* _iov;
    private readonly MMsgHdr* _msgs;
    private readonly byte* _names;

    public PacketBatch(int capacity, int slotSize)
    {
        Capacity = capacity;
        SlotSize = slotSize;
        _data = (byte*)NativeMemory.AlignedAlloc((nuint)(capacity * slotSize), 64);
        _iov = (IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(IoVec)));
        _msgs = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(MMsgHdr)));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * NameSize));
        Offset = new int[capacity];
        Length = new int[capacity];
    }

    public int Capacity { get; }
    public int SlotSize { get; }
    public int Count { get; set; }

    /// <summary>Where each slot's packet starts inside the slot.</summary>
    public int[] Offset { get; }

    /// <summary>Length of each slot's packet.</summary>
    public int[] Length { get; }

    public Span<byte> Slot(int i) => new(_data + (long)i * SlotSize, SlotSize);

    public Span<byte> Packet(int i) => new(_data + (long)i * SlotSize + Offset[i], Length[i]);

    /// <summary>Where slot i's packet starts (valid until the batch is disposed).</summary>
    public byte* Pointer(int i) => _data + (long)i * SlotSize + Offset[i];

    public Span<byte> Name(int i) => new(_names + i * NameSize, NameSize);

    /// <summary>Adds a slot and returns its index, or -1 when the batch is full.</summary>
    public int Add(int offset, int length)
    {
        if (Count == Capacity) return -1;
        int i = Count++;
        Offset[i] = offset;
        Length[i] = length;
        return i;
    }

    /// <summary>Receives up to Capacity packets at <paramref name="offset"/> in each slot; blocks for the first unless <paramref name="wait"/> is false.</summary>
    /// <returns>Packets received, 0 on timeout/interrupt/nothing pending.</returns>
    public int Receive(int fd, int offset, bool wait = true)
    {
        for (int i = 0; i < Capacity; i++)
        {
            _iov[i].Base = _data + (long)i * SlotSize + offset;
            _iov[i].Length = (nuint)(SlotSize - offset);
            _msgs[i].Header = new MsgHdr { Iov = &_iov[i], IovLength = 1, Name = _names + i * NameSize, NameLength = NameSize };
        }
        int n = Libc.recvmmsg(fd, _msgs, (uint)Capacity, wait ? Libc.MSG_WAITFORONE : Libc.MSG_DONTWAIT, null);
        if (n < 0)
        {
            int errno = Libc.Errno;
            if (errno is Libc.EAGAIN or Libc.EINTR) { Count = 0; return 0; }
            throw new IOException($"recvmmsg failed: errno {errno}");
        }
        for (int i = 0; i < n; i++)
        {
            Offset[i] = offset;
            Length[i] = (int)_msgs[i].Length;
        }
        Count = n;
        return n;
    }

    /// <summary>
    /// Sends every slot (0..Count) with a non-zero length with one or a few sendmmsg calls; each
    /// slot's destination is its Name area of <paramref name="nameLength"/> bytes (0 for bound sockets).
    /// </summary>
    /// <returns>How many packets the kernel refused.</returns>
    public int Send(int fd, int nameLength)
    {
        int count = 0;
        for (int i = 0; i < Count; i++)
        {
            if (Length[i] == 0) continue; // dropped after it was queued
            _iov[count].Base = _data + (long)i * SlotSize + Offset[i];
            _iov[count].Length = (nuint)Length[i];
            _msgs[count].Header = new MsgHdr
            {
                Iov = &_iov[count], IovLength = 1,
                Name = nameLength == 0 ? null : _names + i * NameSize, NameLength = (uint)nameLength,
            };
            count++;
        }
        Count = 0;
        return SendMessages(fd, count);
    }

    /// <summary>sendmmsg over the first <paramref name="count"/> prepared messages; returns how many the kernel refused.</summary>
    private int SendMessages(int fd, int count)
    {
        int sent = 0, failed = 0;
        while (sent < count)
        {
            int n = Libc.sendmmsg(fd, _msgs + sent, (uint)(count - sent), 0);
            if (n > 0) { sent += n; continue; }
            if (n < 0 && Libc.Errno == Libc.EINTR) continue;
            // The first packet of the remainder was refused (e.g. no route, EMSGSIZE): skip it.
            sent++;
            failed++;
        }
        return failed;
    }

    /// <summary>
    /// Sends the slots marked in <paramref name="selected"/> (bound socket, no names) with one or a few sendmmsg
    /// calls, then takes them out of the batch (length 0, mark cleared); the other slots stay for <see cref="Send"/>.
    /// </summary>
    /// <returns>How many packets the kernel refused.</returns>
    public int SendSelected(int fd, bool[] selected)
    {
        int count = 0;
        for (int i = 0; i < Count; i++)
        {
            if (!selected[i]) continue;
            selected[i] = false;
            _iov[count].Base = _data + (long)i * SlotSize + Offset[i];
            _iov[count].Length = (nuint)Length[i];
            _msgs[count].Header = new MsgHdr { Iov = &_iov[count], IovLength = 1 };
            Length[i] = 0;
            count++;
        }
        return SendMessages(fd, count);
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_data);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_msgs);
        NativeMemory.Free(_names);
    }
}
