using System.Net;

namespace Appliance.Ike;

/// <summary>An IKE message to send. On port 4500 the host prepends the 4-byte non-ESP marker (RFC 3948 §2.2).</summary>
public sealed record OutgoingDatagram(IPEndPoint Local, IPEndPoint Remote, byte[] Payload);
