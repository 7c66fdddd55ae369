namespace Appliance.Board.Tests;

public class VcioMailboxTests
{
    private static uint[] Answer(uint status = 0x80000000, uint tag = VcioMailbox.TagGetThrottled, uint response = 0x80000004, uint value = 0x50005) =>
        [28, status, tag, 4, response, value, 0];

    [Fact]
    public void A_successful_answer_gives_the_word()
    {
        Assert.True(VcioMailbox.TryParseResponse(Answer(), out uint word, out string? error), error);
        Assert.Equal(0x50005u, word);
    }

    [Fact]
    public void A_failed_status_is_an_error()
    {
        Assert.False(VcioMailbox.TryParseResponse(Answer(status: 0x80000001), out _, out string? error));
        Assert.Contains("mailbox status 0x80000001", error);
    }

    [Fact]
    public void A_tag_the_firmware_did_not_answer_is_an_error()
    {
        // Old firmware leaves the response bit clear for a tag it does not know.
        Assert.False(VcioMailbox.TryParseResponse(Answer(response: 4), out _, out string? error));
        Assert.Contains("does not support GET_THROTTLED", error);
        Assert.False(VcioMailbox.TryParseResponse(Answer(response: 0x80000000), out _, out _));
        Assert.False(VcioMailbox.TryParseResponse(Answer(tag: 0x00030047), out _, out _));
        Assert.False(VcioMailbox.TryParseResponse(Answer().AsSpan(0, 5), out _, out _));
    }

    [Fact]
    public void A_missing_device_is_an_error_not_an_exception()
    {
        using var dir = new TempDir();
        var mailbox = new VcioMailbox(dir.Combine("vcio"));
        Assert.False(mailbox.TryRead(out _, out string? error));
        Assert.Contains("cannot open", error);
        Assert.Equal($"mailbox {dir.Combine("vcio")}", mailbox.Description);
    }

    [Fact]
    public void A_device_that_is_not_the_mailbox_refuses_the_ioctl()
    {
        // /dev/null has no IOCTL_MBOX_PROPERTY: the kernel answers ENOTTY, reported as a reason.
        var mailbox = new VcioMailbox("/dev/null");
        Assert.False(mailbox.TryRead(out _, out string? error));
        Assert.Contains("GET_THROTTLED failed", error);
    }
}
