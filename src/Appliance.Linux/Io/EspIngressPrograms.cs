using System.Buffers.Binary;

namespace Appliance.Linux.Io;

/// <summary>
/// The two filters that pick the box's own unfragmented raw ESP off the WAN: a classic BPF socket filter for the
/// AF_PACKET receive socket and an eBPF tc classifier that drops the same packets after the packet taps, so the
/// kernel's IP receive path never runs for them. Both must match exactly the same set: addressed to this host
/// (pkttype HOST), IPv4, protocol 50, MF clear and fragment offset 0, destination the WAN address. Anything the
/// socket would take but tc not, the box would open twice (the raw socket sees it too; the replay window drops
/// the second); anything tc drops but the socket misses would be lost.
/// </summary>
internal static class EspIngressPrograms
{
    private const byte IpProtocolEsp = 50;
    private const ushort EthPIp = 0x0800;

    /// <summary>
    /// Classic BPF (struct sock_filter, 8 bytes each) for a SOCK_DGRAM AF_PACKET socket: offsets start at the network
    /// header, the ethertype is skb->protocol. Accepts ours whole, everything else with length 0 (not queued).
    /// </summary>
    public static byte[] SocketFilter(uint wanAddress)
    {
        const ushort LdW = 0x20, LdH = 0x28, LdB = 0x30, AndK = 0x54, JeqK = 0x15, JsetK = 0x45, RetK = 0x06;
        const uint SkfAdProtocol = 0xFFFFF000, SkfAdPktType = 0xFFFFF000 + 4; // SKF_AD_OFF + SKF_AD_PROTOCOL/PKTTYPE
        const int Drop = 14;
        var code = new List<(ushort Code, byte Jt, byte Jf, uint K)>();
        void Jump(ushort op, uint k, bool dropIfTrue)
        {
            byte toDrop = (byte)(Drop - code.Count - 1);
            code.Add(dropIfTrue ? (op, toDrop, 0, k) : (op, 0, toDrop, k));
        }
        code.Add((LdW, 0, 0, SkfAdProtocol));
        Jump(JeqK, EthPIp, dropIfTrue: false);             // bound to ETH_P_ALL (see WanFrameReceiver): IPv4 only
        code.Add((LdW, 0, 0, SkfAdPktType));
        Jump(JeqK, 0, dropIfTrue: false);                  // PACKET_HOST
        code.Add((LdB, 0, 0, 0));
        code.Add((AndK, 0, 0, 0xF0));
        Jump(JeqK, 0x40, dropIfTrue: false);               // version 4
        code.Add((LdB, 0, 0, 9));
        Jump(JeqK, IpProtocolEsp, dropIfTrue: false);
        code.Add((LdH, 0, 0, 6));
        Jump(JsetK, 0x3FFF, dropIfTrue: true);             // MF or a fragment offset: the kernel reassembles it
        code.Add((LdW, 0, 0, 16));
        Jump(JeqK, wanAddress, dropIfTrue: false);
        code.Add((RetK, 0, 0, 0x40000));
        code.Add((RetK, 0, 0, 0));
        var bytes = new byte[code.Count * 8];
        for (int i = 0; i < code.Count; i++)
        {
            var s = bytes.AsSpan(i * 8);
            BinaryPrimitives.WriteUInt16LittleEndian(s, code[i].Code);
            s[2] = code[i].Jt;
            s[3] = code[i].Jf;
            BinaryPrimitives.WriteUInt32LittleEndian(s[4..], code[i].K);
        }
        return bytes;
    }

    /// <summary>
    /// eBPF (struct bpf_insn, 8 bytes each) for BPF_PROG_TYPE_SCHED_CLS in direct-action mode on the WAN's clsact
    /// ingress, where the Ethernet header is pushed back (LD_ABS offsets from the MAC header): TC_ACT_SHOT for ours,
    /// TC_ACT_OK for everything else. 32-bit compares (BPF_JMP32), so an address above 2^31 compares unsigned.
    /// </summary>
    public static byte[] TcClassifier(uint wanAddress)
    {
        const byte MovX64 = 0xBF, LdxW = 0x61, LdAbsW = 0x20, LdAbsH = 0x28, LdAbsB = 0x30, And32K = 0x54;
        const byte Jne32K = 0x56, Jset32K = 0x46, MovK64 = 0xB7, Exit = 0x95;
        const int TcActOk = 0, TcActShot = 2, Pass = 16;
        var code = new List<(byte Code, byte Regs, short Off, int Imm)>();
        void ToPass(byte op, uint imm) => code.Add((op, 0, (short)(Pass - code.Count - 1), (int)imm));
        code.Add((MovX64, 6 | (1 << 4), 0, 0));            // r6 = ctx (LD_ABS reads the skb through r6)
        code.Add((LdxW, 0 | (1 << 4), 4, 0));              // r0 = skb->pkt_type
        ToPass(Jne32K, 0);                                 // PACKET_HOST
        code.Add((LdAbsH, 0, 0, 12));
        ToPass(Jne32K, EthPIp);
        code.Add((LdAbsB, 0, 0, 14));
        code.Add((And32K, 0, 0, 0xF0));
        ToPass(Jne32K, 0x40);
        code.Add((LdAbsB, 0, 0, 14 + 9));
        ToPass(Jne32K, IpProtocolEsp);
        code.Add((LdAbsH, 0, 0, 14 + 6));
        ToPass(Jset32K, 0x3FFF);
        code.Add((LdAbsW, 0, 0, 14 + 16));
        ToPass(Jne32K, wanAddress);
        code.Add((MovK64, 0, 0, TcActShot));
        code.Add((Exit, 0, 0, 0));
        code.Add((MovK64, 0, 0, TcActOk));
        code.Add((Exit, 0, 0, 0));
        var bytes = new byte[code.Count * 8];
        for (int i = 0; i < code.Count; i++)
        {
            var s = bytes.AsSpan(i * 8);
            s[0] = code[i].Code;
            s[1] = code[i].Regs;
            BinaryPrimitives.WriteInt16LittleEndian(s[2..], code[i].Off);
            BinaryPrimitives.WriteInt32LittleEndian(s[4..], code[i].Imm);
        }
        return bytes;
    }
}
