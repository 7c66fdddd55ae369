using System.Net;
using Appliance.Ike.Gateways;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Ike.Tests.Gateways;

public sealed class GatewaySelectorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private static readonly GatewayOptions Options = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(10));

    private GatewaySelector Three() => new(["10.0.0.1", "10.0.0.2", "10.0.0.3"], Options, _time);

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void First_choice_is_the_fastest_that_answered()
    {
        var s = Three();
        s.Answered(s.Gateways[0], Ms(80));
        s.Answered(s.Gateways[1], Ms(20));
        s.Answered(s.Gateways[2], Ms(50));
        Assert.Same(s.Gateways[1], s.Choose());
    }

    [Fact]
    public void First_choice_without_any_answer_is_the_first_listed_with_an_address()
    {
        var s = new GatewaySelector(["vpn.example.com", "10.0.0.2"], Options, _time);
        Assert.Null(s.Gateways[0].Address);
        Assert.Same(s.Gateways[1], s.Choose());
        // Once the name resolves, it is the first listed with an address.
        s.Resolved(s.Gateways[0], [IPAddress.Parse("10.0.0.9")]);
        Assert.Same(s.Gateways[0], s.Choose());
    }

    [Fact]
    public void A_failed_active_gateway_moves_the_tunnel_to_the_fastest_other()
    {
        var s = Three();
        foreach (var (g, rtt) in s.Gateways.Zip([20.0, 60, 40])) s.Answered(g, Ms(rtt));
        s.Use(s.Choose()!);
        Assert.Same(s.Gateways[0], s.Active);
        s.ActiveFailed();
        Assert.Equal(GatewayState.Failed, s.Gateways[0].State);
        Assert.Same(s.Gateways[2], s.Choose());
    }

    [Fact]
    public void With_nobody_answering_a_failed_gateway_hands_over_in_list_order()
    {
        var s = Three();
        s.Use(s.Gateways[1]);
        s.ActiveFailed();
        Assert.Same(s.Gateways[2], s.Choose());
        s.Use(s.Gateways[2]);
        s.ActiveFailed();
        Assert.Same(s.Gateways[0], s.Choose());
    }

    [Fact]
    public void A_clearly_faster_gateway_takes_over_only_after_the_hold_time()
    {
        var s = Three();
        s.Answered(s.Gateways[1], Ms(60));
        s.Use(s.Choose()!);
        Assert.Same(s.Gateways[1], s.Active);
        // The first gateway comes back, much faster: nothing happens until it has been better for 10 minutes.
        s.Answered(s.Gateways[0], Ms(10));
        Assert.Same(s.Gateways[1], s.Choose());
        _time.Advance(TimeSpan.FromMinutes(9));
        s.Answered(s.Gateways[0], Ms(10));
        Assert.Same(s.Gateways[1], s.Choose());
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Same(s.Gateways[0], s.Choose());
    }

    [Fact]
    public void A_faster_gateway_that_stops_being_faster_restarts_the_hold_time()
    {
        var s = Three();
        s.Answered(s.Gateways[1], Ms(60));
        s.Use(s.Gateways[1]);
        s.Answered(s.Gateways[0], Ms(10));
        Assert.Same(s.Gateways[1], s.Choose());
        _time.Advance(TimeSpan.FromMinutes(6));
        for (int i = 0; i < 10; i++) s.Answered(s.Gateways[0], Ms(70)); // a bad spell: no longer faster
        Assert.Same(s.Gateways[1], s.Choose());
        for (int i = 0; i < 20; i++) s.Answered(s.Gateways[0], Ms(10));
        Assert.Same(s.Gateways[1], s.Choose());
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Same(s.Gateways[1], s.Choose()); // 12 minutes since it first was faster, but only 6 without a break
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Same(s.Gateways[0], s.Choose());
    }

    [Fact]
    public void Near_equal_gateways_never_flap()
    {
        var s = new GatewaySelector(["10.0.0.1", "10.0.0.2"], Options, _time);
        var random = new Random(7);
        s.Answered(s.Gateways[0], Ms(30));
        s.Answered(s.Gateways[1], Ms(31));
        s.Use(s.Choose()!);
        var first = s.Active;
        for (int i = 0; i < 500; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
            s.Answered(s.Gateways[0], Ms(25 + random.NextDouble() * 12));
            s.Answered(s.Gateways[1], Ms(25 + random.NextDouble() * 12));
            Assert.Same(first, s.Choose());
        }
    }

    [Fact]
    public void Lost_probes_make_a_gateway_unreachable_and_an_answer_brings_it_back()
    {
        var s = Three();
        s.Answered(s.Gateways[0], Ms(10));
        s.Answered(s.Gateways[1], Ms(40));
        s.Use(s.Choose()!);
        s.Lost(s.Gateways[0]);
        Assert.Equal(GatewayState.Reachable, s.Gateways[0].State);
        Assert.Same(s.Gateways[0], s.Choose());
        s.Lost(s.Gateways[0]);
        Assert.Equal(GatewayState.Unreachable, s.Gateways[0].State);
        Assert.Same(s.Gateways[1], s.Choose());
        s.Answered(s.Gateways[0], Ms(10));
        Assert.Equal(GatewayState.Reachable, s.Gateways[0].State);
    }

    [Fact]
    public void A_name_that_resolves_elsewhere_is_measured_afresh()
    {
        var s = new GatewaySelector(["vpn.example.com", "10.0.0.2"], Options, _time);
        s.Resolved(s.Gateways[0], [IPAddress.Parse("192.0.2.1")]);
        s.Answered(s.Gateways[0], Ms(15));
        s.Resolved(s.Gateways[0], [IPAddress.Parse("192.0.2.99")]);
        Assert.Null(s.Gateways[0].Rtt);
        Assert.Equal(GatewayState.Unknown, s.Gateways[0].State);
        s.Resolved(s.Gateways[0], []);
        Assert.Null(s.Gateways[0].Address);
        Assert.Equal(GatewayState.Unreachable, s.Gateways[0].State);
    }

    [Fact]
    public void Rtt_is_smoothed()
    {
        var s = Three();
        s.Answered(s.Gateways[0], Ms(100));
        s.Answered(s.Gateways[0], Ms(20));
        Assert.Equal(80, s.Gateways[0].Rtt!.Value.TotalMilliseconds, 3);
    }

    [Fact]
    public void Probe_answers_are_recognised_by_header_only()
    {
        var message = new byte[28];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(message, 0x1122334455667788);
        message[18] = 34; // IKE_SA_INIT
        message[19] = 0x20; // response, from the responder
        Assert.True(IkeEngine.TryReadInitResponse(message, out ulong spi));
        Assert.Equal(0x1122334455667788UL, spi);
        message[19] = 0x08; // a request from an initiator
        Assert.False(IkeEngine.TryReadInitResponse(message, out _));
        Assert.False(IkeEngine.TryReadInitResponse(message.AsSpan(0, 27), out _));
    }
}
