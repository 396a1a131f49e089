namespace ZamSync.Net.Framing;

/// <summary>Limits of the framing layer. Memory per connection is bounded by these, not by what a peer sends.</summary>
public sealed record FrameOptions
{
    /// <summary>Largest frame accepted or sent, on the wire (16 MiB by default; at most 64 MiB).</summary>
    public int MaxFrameBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest message after decompression (16 MiB by default): a small frame cannot expand past it.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Bodies at least this long are offered to zstd (64 bytes by default); 0 disables compression.</summary>
    public int CompressionThreshold { get; init; } = 64;

    /// <summary>zstd level (3 by default: fast, and most of the gain on event batches).</summary>
    public int CompressionLevel { get; init; } = 3;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrameBytes, 64);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxFrameBytes, FrameFormat.AbsoluteMaxFrameBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 64);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxMessageBytes, FrameFormat.AbsoluteMaxFrameBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(CompressionThreshold);
    }
}
