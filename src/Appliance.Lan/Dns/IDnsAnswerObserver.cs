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
    void Observe(string name, IReadOnlyList<(IPAddress Address, uint Ttl)> addresses);
}
