using Appliance.L2tp.L2tp;
using Appliance.L2tp.Ppp;

namespace Appliance.L2tp.Tests;

/// <summary>The L2TP header and AVP codec (RFC 2661 §3.1, §4.1) and the PPP frame, packet and option codec (RFC 1661 §2, §5, §6).</summary>
public class CodecTests
{
    private static byte[] H(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Fact]
    public void A_hand_built_SCCRQ_parses_field_by_field()
    {
        // T L S, ver 2, length 42, tunnel 0, session 0, Ns 0, Nr 0; Message Type 1 (M), Protocol Version 1.0 (M),
        // Assigned Tunnel ID 0x1234 (M), and a vendor AVP (vendor 311, type 9) without M.
        byte[] d = H("C802 002A 0000 0000 0000 0000" + "8008 0000 0000 0001" + "8008 0000 0002 0100" + "8008 0000 0009 1234" + "0006 0137 0009");
        Assert.True(L2tpHeader.TryParse(d, out L2tpHeader h, out Range r, out _));
        Assert.True(h.IsControl);
        Assert.True(h.HasSequence);
        Assert.Equal((0, 0, 0, 0), (h.TunnelId, h.SessionId, h.Ns, h.Nr));
        ControlMessage m = ControlMessage.TryParse(d[r])!;
        Assert.Equal(MessageType.Sccrq, m.Type);
        Assert.True(m.TypeMandatory);
        Assert.Equal((ushort)0x1234, m.U16(AvpType.AssignedTunnelId));
        Assert.Equal(4, m.Avps.Count);
        Assert.Null(m.FindProblem()); // the unknown vendor AVP has no M bit: ignored
    }

    [Fact]
    public void Control_and_data_messages_round_trip()
    {
        byte[] avps = ControlMessage.Build(MessageType.Hello);
        byte[] c = L2tpHeader.EncodeControl(7, 9, 300, 65535, avps);
        Assert.True(L2tpHeader.TryParse(c, out L2tpHeader h, out Range r, out _));
        Assert.Equal(new L2tpHeader(true, true, 7, 9, 300, 65535), h);
        Assert.Equal(avps, c[r]);

        byte[] data = L2tpHeader.EncodeData(7, 9, 42, [0xFF, 0x03, 0xC0, 0x21]);
        Assert.True(L2tpHeader.TryParse(data, out h, out r, out _));
        Assert.False(h.IsControl);
        Assert.Equal((ushort)42, h.Ns);
        Assert.Equal(H("FF03C021"), data[r]);
        Assert.True(L2tpHeader.TryParse(L2tpHeader.EncodeData(7, 9, null, [1]), out h, out r, out _));
        Assert.False(h.HasSequence);
    }

    [Fact]
    public void A_data_message_with_length_and_offset_pad_yields_the_frame_only()
    {
        // L and O set: length 14 (2 trailing octets beyond it are ignored), offset size 2 with 2 pad octets.
        byte[] d = H("4202 000E 0007 0009 0002 AAAA FF03 EEEE");
        Assert.True(L2tpHeader.TryParse(d, out _, out Range r, out _));
        Assert.Equal(H("FF03"), d[r]);
    }

    [Theory]
    [InlineData("C802")] // shorter than any header
    [InlineData("C802 00FF 0000 0000 0000 0000")] // Length beyond the datagram
    [InlineData("8802 0000 0000 0000 0000")] // control without L
    [InlineData("C002 000A 0000 0000 0000")] // control without S
    [InlineData("CA02 000E 0000 0000 0000 0000 0000")] // control with O
    [InlineData("0202 0000 0000 0010 00")] // offset pad beyond the end
    [InlineData("4002 0004 0000 0000")] // Length shorter than the header
    public void Malformed_headers_are_refused(string hex) =>
        Assert.False(L2tpHeader.TryParse(H(hex), out _, out _, out L2tpDrop drop) && drop == L2tpDrop.None);

    [Fact]
    public void Other_versions_are_refused_as_such() // L2F (1) and L2TPv3 (3)
    {
        Assert.False(L2tpHeader.TryParse(H("C803 000C 0000 0000 0000 0000"), out _, out _, out L2tpDrop drop));
        Assert.Equal(L2tpDrop.WrongVersion, drop);
    }

    [Theory]
    [InlineData("8005 0000 0000")] // AVP length below its header
    [InlineData("8010 0000 0000 0001")] // AVP length beyond the message
    [InlineData("8008 0000 0000")] // truncated
    [InlineData("8008 0000 0007 0001")] // first AVP is not Message Type
    [InlineData("800A 0000 0000 0001 0000")] // Message Type of 4 octets
    [InlineData("C008 0000 0000 0001")] // hidden Message Type
    [InlineData("")] // ZLB is not a message
    public void Malformed_AVP_areas_are_refused(string hex) => Assert.Null(ControlMessage.TryParse(H(hex)));

    [Theory]
    [InlineData("8008 0000 0063 0000", 8)] // unknown IETF type 99 with M
    [InlineData("8008 0137 0001 0000", 8)] // vendor AVP with M
    [InlineData("C008 0000 0009 1234", 8)] // hidden Assigned Tunnel ID with M: no secret to reveal it
    [InlineData("A008 0000 0009 1234", 8)] // reserved bits set with M: unrecognised (§4.1)
    [InlineData("8009 0000 0009 123456", 2)] // Assigned Tunnel ID of 3 octets
    [InlineData("8007 0000 0001 00", 2)] // Result Code shorter than 2
    public void AVPs_we_cannot_act_on_are_problems_with_the_right_error_code(string avp, int error)
    {
        ControlMessage m = ControlMessage.TryParse(H("8008 0000 0000 0001" + avp))!;
        Assert.Equal(error, m.FindProblem()!.ErrorCode);
    }

    [Theory]
    [InlineData("0008 0000 0063 0000")] // unknown without M
    [InlineData("4008 0000 0009 1234")] // hidden without M
    public void AVPs_we_cannot_read_without_M_are_ignored(string avp) =>
        Assert.Null(ControlMessage.TryParse(H("8008 0000 0000 0001" + avp))!.FindProblem());

    [Fact]
    public void Result_code_with_error_and_message_round_trips()
    {
        byte[] area = ControlMessage.Build(MessageType.StopCcn, w => w.Add(AvpType.ResultCode, ControlMessage.ResultCodeValue(2, 8, "why\n")));
        var r = ControlMessage.TryParse(area)!.Result()!.Value;
        Assert.Equal((2, (ushort?)8, "why?"), (r.Result, r.Error, r.Message));
    }

    [Theory]
    [InlineData("FF03C02101", 0xC021, 4)]
    [InlineData("C02101", 0xC021, 2)] // ACFC
    [InlineData("FF032145", 0x0021, 3)] // PFC
    [InlineData("2145", 0x0021, 1)] // both
    public void PPP_frames_with_and_without_compressed_fields_parse(string hex, int protocol, int offset)
    {
        Assert.True(PppFrame.TryParse(H(hex), out ushort p, out int at));
        Assert.Equal((protocol, offset), (p, at));
    }

    [Theory]
    [InlineData("")]
    [InlineData("FF03")]
    [InlineData("FF03C0")] // two-octet protocol cut short
    [InlineData("FF03C022")] // low octet even: not a protocol number
    public void Malformed_PPP_frames_are_refused(string hex) => Assert.False(PppFrame.TryParse(H(hex), out _, out _));

    [Fact]
    public void PPP_packets_and_options_round_trip_and_padding_is_ignored()
    {
        var options = new List<PppOption> { new(1, [5, 0x78]), new(7, []), new(5, [1, 2, 3, 4]) };
        byte[] packet = new PppPacket(1, 9, PppOption.Encode(options)).Encode();
        Assert.True(PppPacket.TryParse([.. packet, 0, 0], out PppPacket p));
        Assert.Equal((1, 9), (p.Code, p.Identifier));
        Assert.True(PppOption.TryParseAll(p.Data, out List<PppOption> parsed));
        Assert.Equal(options.Count, parsed.Count);
        Assert.True(options.Zip(parsed).All(x => x.First.DataEquals(x.Second)));
    }

    [Theory]
    [InlineData("010100")] // shorter than a header
    [InlineData("01010010 00")] // Length beyond the octets
    [InlineData("01010002")] // Length below the header
    public void Malformed_PPP_packets_are_refused(string hex) => Assert.False(PppPacket.TryParse(H(hex), out _));

    [Theory]
    [InlineData("01")] // option cut short
    [InlineData("0101")] // option Length 1
    [InlineData("010605")] // option Length beyond the packet
    public void Malformed_PPP_options_are_refused(string hex) => Assert.False(PppOption.TryParseAll(H(hex), out _));
}
