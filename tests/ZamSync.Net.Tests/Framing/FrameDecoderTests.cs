using System.Buffers;
using System.Buffers.Binary;
using ZamSync.Net.Framing;
using ZstdSharp;

namespace ZamSync.Net.Tests.Framing;

public class FrameDecoderTests
{
    private static readonly FrameOptions Options = new() { MaxFrameBytes = 1 << 20, MaxMessageBytes = 1 << 20 };

    private static byte[] Frame(ReadOnlySpan<byte> message)
    {
        using var encoder = new FrameEncoder(Options);
        return encoder.Encode(message).ToArray();
    }

    private static byte[] Compressible(int length) => Enumerable.Range(0, length).Select(i => (byte)(i % 7)).ToArray();

    [Fact]
    public void A_frame_fed_one_byte_at_a_time_decodes_once_complete()
    {
        var message = Compressible(5000);
        var frame = Frame(message);
        using var decoder = new FrameDecoder(Options);
        for (int have = 0; have < frame.Length; have++)
        {
            var partial = new ReadOnlySequence<byte>(frame, 0, have);
            Assert.False(decoder.TryDecode(ref partial, out _));
        }
        var whole = new ReadOnlySequence<byte>(frame);
        Assert.True(decoder.TryDecode(ref whole, out var decoded));
        Assert.Equal(message, decoded.ToArray());
        Assert.Equal(0, whole.Length);
    }

    [Fact]
    public void Two_frames_in_one_read_decode_in_turn_and_large_bodies_are_compressed()
    {
        var big = Compressible(4000);
        var small = new byte[] { 1, 2, 3 };
        var bigFrame = Frame(big);
        Assert.True(bigFrame.Length < big.Length, "a repetitive body must travel compressed");
        Assert.Equal(FrameFormat.Zstd, bigFrame[4]);
        var smallFrame = Frame(small);
        Assert.Equal(FrameFormat.Raw, smallFrame[4]);

        var buffer = new ReadOnlySequence<byte>(bigFrame.Concat(smallFrame).ToArray());
        using var decoder = new FrameDecoder(Options);
        Assert.True(decoder.TryDecode(ref buffer, out var first));
        Assert.Equal(big, first.ToArray());
        Assert.True(decoder.TryDecode(ref buffer, out var second));
        Assert.Equal(small, second.ToArray());
        Assert.False(decoder.TryDecode(ref buffer, out _));
    }

    [Fact]
    public void An_oversized_length_is_refused_from_its_four_bytes_alone()
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)Options.MaxFrameBytes + 1);
        var buffer = new ReadOnlySequence<byte>(header);
        using var decoder = new FrameDecoder(Options);
        var ex = Assert.Throws<SyncProtocolException>(() => decoder.TryDecode(ref buffer, out _));
        Assert.Contains("limit", ex.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0 }, "no flag")]
    [InlineData(new byte[] { 0, 0, 0, 2, 9, 1 }, "unknown flag")]
    [InlineData(new byte[] { 0, 0, 0, 3, 1, 0, 0 }, "original length")]
    public void Malformed_frames_are_refused_with_a_clear_error(byte[] frame, string expected)
    {
        var buffer = new ReadOnlySequence<byte>(frame);
        using var decoder = new FrameDecoder(Options);
        var ex = Assert.Throws<SyncProtocolException>(() => decoder.TryDecode(ref buffer, out _));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void A_decompression_bomb_is_refused_before_it_expands()
    {
        // 64 MiB of zeros compress to a few kilobytes; the frame announces the truth and is refused on it.
        var zeros = new byte[64 << 20];
        using var compressor = new Compressor(3);
        var compressed = compressor.Wrap(zeros).ToArray();
        Assert.True(compressed.Length < 64 * 1024);
        var bomb = CompressedFrame((uint)zeros.Length, compressed);
        var buffer = new ReadOnlySequence<byte>(bomb);
        using var decoder = new FrameDecoder(Options);
        var ex = Assert.Throws<SyncProtocolException>(() => decoder.TryDecode(ref buffer, out _));
        Assert.Contains("expands", ex.Message);
    }

    [Fact]
    public void A_compressed_frame_that_lies_about_its_size_is_refused()
    {
        var message = Compressible(10_000);
        using var compressor = new Compressor(3);
        var compressed = compressor.Wrap(message).ToArray();
        using var decoder = new FrameDecoder(Options);
        foreach (uint claimed in new uint[] { 100, 9_999, 10_001 })
        {
            var buffer = new ReadOnlySequence<byte>(CompressedFrame(claimed, compressed));
            Assert.Throws<SyncProtocolException>(() => decoder.TryDecode(ref buffer, out _));
        }
    }

    [Fact]
    public void Random_mutations_of_valid_frames_never_crash_or_overallocate()
    {
        var random = new Random(1234);
        var frames = new[] { Frame(Compressible(3000)), Frame(new byte[] { 1, 2, 3, 4, 5 }), Frame(Compressible(200)) };
        for (int round = 0; round < 10_000; round++)
        {
            var frame = (byte[])frames[round % frames.Length].Clone();
            int flips = 1 + random.Next(4);
            for (int f = 0; f < flips; f++) frame[random.Next(frame.Length)] = (byte)random.Next(256);
            var buffer = new ReadOnlySequence<byte>(frame, 0, random.Next(frame.Length + 1));
            using var decoder = new FrameDecoder(Options);
            try
            {
                if (decoder.TryDecode(ref buffer, out var message)) Assert.True(message.Length <= Options.MaxMessageBytes);
            }
            catch (SyncProtocolException)
            {
                // the only acceptable failure
            }
        }
    }

    private static byte[] CompressedFrame(uint original, byte[] compressed)
    {
        var frame = new byte[FrameFormat.HeaderSize + FrameFormat.CompressedPrefixSize + compressed.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(1 + FrameFormat.CompressedPrefixSize + compressed.Length));
        frame[4] = FrameFormat.Zstd;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), original);
        compressed.CopyTo(frame, 9);
        return frame;
    }
}
