namespace Appliance.Fuzz;

/// <summary>
/// One entry point that takes bytes from outside the box. <see cref="Run"/> feeds it one input; the product's
/// documented rejections (a false, a drop reason, a counted drop, a validation error) are normal returns, so any
/// exception that escapes is a finding. Harnesses throw <see cref="FuzzFindingException"/> themselves when an
/// invariant the product promises is broken without an exception (an engine's InternalError counter, an offset
/// outside the buffer).
/// </summary>
public interface IHarness
{
    string Name { get; }

    /// <summary>What the harness reaches, for `list` and the README.</summary>
    string Description { get; }

    void Run(ReadOnlySpan<byte> input);

    /// <summary>Valid inputs the fuzzer starts from (written by `seed`, then minimised into the corpus).</summary>
    IEnumerable<byte[]> Seeds();
}

/// <summary>A broken product invariant found by a harness (not a parser rejection).</summary>
public sealed class FuzzFindingException(string message) : Exception(message);
