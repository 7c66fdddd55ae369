using System.Net;

namespace Appliance.L2tp;

/// <summary>A datagram for the peer's UDP 1701 over the transport-mode SA.</summary>
public sealed record L2tpDatagram(IPEndPoint Peer, byte[] Payload);

/// <summary>One session by our own Tunnel ID and Session ID.</summary>
public readonly record struct L2tpSessionKey(ushort TunnelId, ushort SessionId);

public abstract record L2tpEvent(IPEndPoint Peer, L2tpSessionKey Session);

/// <summary>The L2TP session is established (ICCN received, RFC 2661 §7.4.2): PPP starts on it.</summary>
public sealed record L2tpSessionUp(IPEndPoint Peer, L2tpSessionKey Session) : L2tpEvent(Peer, Session);

/// <summary>PPP reached the network phase with IPCP opened: the client is <paramref name="UserName"/> at <paramref name="Address"/>.</summary>
public sealed record L2tpClientConnected(IPEndPoint Peer, L2tpSessionKey Session, string UserName, IPAddress Address, int PeerMru)
    : L2tpEvent(Peer, Session);

/// <summary>The session is gone (CDN, StopCCN, PPP terminated, or the peer stopped answering); its address is free again.</summary>
public sealed record L2tpSessionDown(IPEndPoint Peer, L2tpSessionKey Session, string? UserName, IPAddress? Address, string Reason)
    : L2tpEvent(Peer, Session);

/// <summary>An IP packet the client sent, its source checked against the address IPCP gave it.</summary>
public sealed record L2tpIpPacket(L2tpSessionKey Session, IPAddress ClientAddress, byte[] Packet);

/// <summary>One session for the status: the LAC, our IDs, its host name, and once PPP got there the user and address.</summary>
public sealed record L2tpSessionInfo(IPEndPoint Peer, L2tpSessionKey Session, string? HostName, string Phase, string? UserName, IPAddress? Address);
