using System.Text;
using Appliance.L2tp.L2tp;

namespace Appliance.L2tp.Tests;

/// <summary>
/// The PPP authenticator against RFC 2759 §9.2: Appliance.Ike.Tests checks the computations themselves; here the
/// server's Challenge is the RFC's AuthenticatorChallenge, the client answers as the RFC's "User", and the server's
/// Success must carry the RFC's authenticator response.
/// </summary>
public class MsChapV2VectorTests
{
    [Fact]
    public void The_authenticator_accepts_the_RFC_2759_response_and_answers_with_its_authenticator_response()
    {
        var h = new Harness();
        h.Users.AddPassword("User", "clientPass");
        h.Random.Scripted.Enqueue(Convert.FromHexString("5B5D7C7D7B3F2F3E3C2C602132262628"));
        TestLac lac = h.AddClient("User", "clientPass");
        lac.UseChallenge(Convert.FromHexString("21402324255E262A28295F2B3A337C7E"), "User");
        lac.StartTunnel(); h.Pump(); lac.StartSession(); h.Pump();

        Assert.Equal(Convert.FromHexString("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"), lac.NtResponse);
        string success = Encoding.ASCII.GetString(lac.Chap.Single(p => p.Code == 3).Data);
        Assert.StartsWith("S=407A5589115FD0D6209F510FE9C04566932CDA56 ", success);
        Assert.NotNull(lac.Address);
    }
}
