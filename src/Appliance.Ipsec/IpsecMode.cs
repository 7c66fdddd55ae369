namespace Appliance.Ipsec;

/// <summary>RFC 4301 §4.1: tunnel mode protects a whole inner IP packet, transport mode the upper-layer payload.</summary>
public enum IpsecMode
{
    Tunnel,
    Transport,
}

/// <summary>Which way an SA carries traffic; an SA is unidirectional (RFC 4301 §4.1).</summary>
public enum SaDirection
{
    Inbound,
    Outbound,
}
