using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Appliance.Ike.Exchanges;
using Appliance.Ike.Messages;
using Microsoft.Extensions.Logging;

namespace Appliance.Ike;

// IKE message fragmentation (RFC 7383): encrypted messages too big for one datagram go out as SKF fragments, and the
// peer's fragments are verified one by one and put back together before the exchange sees the message.
public sealed partial class IkeEngine
{
    /// <summary>
    /// One SK message, or its fragments when both sides support fragmentation and the whole IP datagram would exceed
    /// <see cref="IkeEngineOptions.FragmentSize"/> (RFC 7383 §2.5; IKE_SA_INIT never comes here).
    /// </summary>
    private IReadOnlyList<byte[]> EncodeProtected(IkeSa sa, IkeHeader header, List<IkePayload> payloads)
    {
        int maxMessage = Options.FragmentSize - DatagramOverhead(sa);
        if (sa.Fragmentation && EncodedLength(sa, payloads) > maxMessage)
        {
            List<byte[]> fragments = SkfCodec.Split(header, payloads, maxMessage, sa.Outbound!, () => NextIv(sa));
            _log.LogDebug("IKE SA {Spi:x16}: {Exchange} message {Id} split into {N} fragments", sa.LocalSpi, header.Exchange,
                header.MessageId, fragments.Count);
            return fragments;
        }
        return [SkCodec.Encode(header, payloads, sa.Outbound!, NextIv(sa))];
    }

    /// <summary>Octets of the unfragmented SK message.</summary>
    private static int EncodedLength(IkeSa sa, List<IkePayload> payloads)
    {
        byte[] plaintext = PayloadCodec.EncodeChain(payloads);
        int length = IkeHeader.Size + PayloadCodec.GenericHeaderSize + sa.Outbound!.GetProtectedLength(plaintext.Length);
        CryptographicOperations.ZeroMemory(plaintext);
        return length;
    }

    /// <summary>IP header (20, or 40 for IPv6) + UDP header 8 + the non-ESP marker 4 on the NAT-T port (RFC 3948 §2.2).</summary>
    private int DatagramOverhead(IkeSa sa) =>
        (sa.Remote.AddressFamily == AddressFamily.InterNetworkV6 ? 40 : 20) + 8 + (sa.Local.Port == Options.NatTPort ? 4 : 0);

    private void SendAll(IkeSa sa, IReadOnlyList<byte[]> datagrams)
    {
        foreach (byte[] datagram in datagrams)
        {
            Send(sa.Local, sa.Remote, datagram);
            if (datagrams.Count > 1)
                Counters.Increment(IkeCounter.FragmentsSent);
        }
    }

    /// <summary>
    /// Takes one verified-or-dropped fragment of the peer's message (RFC 7383 §2.6). Ok: the message is complete and
    /// its inner payloads are in <paramref name="inner"/>; Incomplete: kept, more are awaited; anything else: dropped.
    /// The ICV is checked before anything is stored, so only the peer can fill or reset a reassembly buffer.
    /// </summary>
    private SkCodec.OpenStatus AcceptFragment(IkeSa sa, DecodedMessage message, EncryptedFragmentPayload fragment, bool isResponse,
        List<IkePayload> inner, out DecodeResult innerResult)
    {
        innerResult = DecodeResult.Ok;
        if (!sa.Fragmentation || fragment.TotalFragments > FragmentReassembly.MaxFragments)
            return SkCodec.OpenStatus.Fragment;
        FragmentReassembly? set = isResponse ? sa.ResponseFragments : sa.RequestFragments;
        uint id = message.Header.MessageId;
        // §2.6: a smaller total than the set in progress is stale (the sender only ever raises it, on a smaller PMTU).
        if (set is not null && set.MessageId == id && fragment.TotalFragments < set.Total)
            return SkCodec.OpenStatus.Fragment;
        if (!SkfCodec.TryOpen(message, fragment, sa.Inbound!, out byte[] plaintext))
            return SkCodec.OpenStatus.IntegrityFailed;
        sa.LastInbound = Now;
        if (set is null || set.MessageId != id || fragment.TotalFragments > set.Total)
        {
            set?.Dispose();
            // A half-open SA's peer has not authenticated yet: it may park less (IkeEngineOptions.HalfOpenReassemblyOctets).
            bool halfOpen = !sa.IsInitiator && sa.State == IkeSaState.Connecting;
            set = new FragmentReassembly(id, fragment.TotalFragments,
                halfOpen ? Math.Min(Options.HalfOpenReassemblyOctets, FragmentReassembly.MaxOctets) : FragmentReassembly.MaxOctets);
            SetFragments(sa, isResponse, set);
        }
        switch (set.Add(fragment.FragmentNumber, fragment.FirstInnerPayload, plaintext))
        {
            case FragmentReassembly.AddResult.Duplicate:
                return SkCodec.OpenStatus.Fragment;
            case FragmentReassembly.AddResult.TooLarge:
                set.Dispose();
                SetFragments(sa, isResponse, null);
                return SkCodec.OpenStatus.Fragment;
        }
        Counters.Increment(IkeCounter.FragmentsReceived);
        if (!set.IsComplete)
            return SkCodec.OpenStatus.Incomplete;
        byte[] whole = set.Concatenate();
        PayloadType first = set.FirstInner;
        set.Dispose();
        SetFragments(sa, isResponse, null);
        Counters.Increment(IkeCounter.MessagesReassembled);
        _log.LogDebug("IKE SA {Spi:x16}: reassembled {Exchange} message {Id} from {N} fragments", sa.LocalSpi,
            message.Header.Exchange, id, fragment.TotalFragments);
        return SkCodec.DecodeInner(whole, first, inner, out innerResult);
    }

    private static void SetFragments(IkeSa sa, bool isResponse, FragmentReassembly? set)
    {
        if (isResponse) sa.ResponseFragments = set;
        else sa.RequestFragments = set;
    }

    /// <summary>
    /// A fragment of a request we already answered: after its ICV verifies, fragment 1 alone makes us resend the whole
    /// cached response, so a retransmitted set of N fragments is answered once, not N times (RFC 7383 §2.6.1).
    /// </summary>
    private void AnswerRetransmittedFragment(IkeSa sa, IPEndPoint local, IPEndPoint remote, DecodedMessage message,
        EncryptedFragmentPayload fragment)
    {
        if (!sa.Fragmentation)
        {
            Counters.Increment(IkeCounter.FragmentDropped);
            return;
        }
        if (!SkfCodec.TryOpen(message, fragment, sa.Inbound!, out byte[] plaintext))
        {
            Counters.Increment(IkeCounter.IntegrityCheckFailed);
            return;
        }
        CryptographicOperations.ZeroMemory(plaintext);
        sa.LastInbound = Now;
        if (fragment.FragmentNumber != 1)
            return;
        FollowEndpoints(sa, local, remote); // as for an unfragmented retransmission: the answer goes where the peer is now
        Counters.Increment(IkeCounter.CachedResponsesSent);
        SendAll(sa, sa.CachedResponse!);
    }
}
