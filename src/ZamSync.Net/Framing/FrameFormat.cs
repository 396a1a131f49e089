namespace ZamSync.Net.Framing;

/// <summary>
/// A frame on the wire (docs/wire-format.md): <c>length u32 BE</c> of what follows, <c>flag u8</c>, body.
/// Flag 0: the body is the message. Flag 1: the body is <c>original length u32 BE</c> then the zstd
/// compressed message, so the receiver checks the size a frame expands to before allocating for it.
/// </summary>
internal static class FrameFormat
{
    public const int LengthSize = 4, HeaderSize = 5, CompressedPrefixSize = 4;
    public const byte Raw = 0, Zstd = 1;
    public const int AbsoluteMaxFrameBytes = 64 * 1024 * 1024;
}
