using System.Net;

namespace Appliance.Lan.Dns;

/// <summary>
/// Sees the addresses of answers the forwarder passes to the LAN for the names it wants, before the client gets them, so
/// the client's first packet to such an address already takes the path chosen for it (exclusion lists).
/// </summary>
public interface IDnsAnswerObserver
{
    bool Wants(string name);

    /// <summary>Called synchronously on the query's task; <paramref name="addresses"/> carry the TTL the client is given.</summary>
    void Observe(string name, IReadOnlyList<AnsweredAddress> addresses);
}

/// <summary>An address from an answer's A or AAAA record, with the TTL the client is given.</summary>
public sealed record AnsweredAddress(IPAddress Address, uint Ttl);
