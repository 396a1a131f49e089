using System.Buffers.Binary;
using System.Text;

namespace ZamSync.Storage;

/// <summary>
/// One record of <c>peers.log</c> (docs/wal-format.md, "peers.log"): body length u32, CRC-32C of the body u32, then the
/// body: peer id u64, vector length u32, the vector, fingerprint length u32 (0 = none) and its UTF-8 bytes.
/// </summary>
internal static class PeerLogRecord
{
    public const int HeaderSize = 8;

    /// <summary>Far above any real vector (one entry per origin), so never reached; bounds what a reader allocates.</summary>
    public const int MaxBodyBytes = 16 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Encode(NodeId peer, PeerRecord record)
    {
        var fingerprint = StrictUtf8.GetBytes(record.ContractFingerprint ?? "");
        if (fingerprint.Length > LegacyPeerStateFile.MaxFingerprintBytes)
            throw new ArgumentException($"The contract fingerprint of peer {peer} is {fingerprint.Length} bytes; at most {LegacyPeerStateFile.MaxFingerprintBytes} are kept.", nameof(record));
        int vectorLength = record.Holds.EncodedSize;
        int bodyLength = 8 + 4 + vectorLength + 4 + fingerprint.Length;
        var bytes = new byte[HeaderSize + bodyLength];
        var body = bytes.AsSpan(HeaderSize);
        BinaryPrimitives.WriteUInt64LittleEndian(body, peer.Value);
        BinaryPrimitives.WriteInt32LittleEndian(body[8..], vectorLength);
        record.Holds.Encode(body[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(body[(12 + vectorLength)..], fingerprint.Length);
        fingerprint.CopyTo(body[(16 + vectorLength)..]);
        BinaryPrimitives.WriteInt32LittleEndian(bytes, bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), Crc32C.HashToUInt32(body));
        return bytes;
    }

    /// <summary>Decodes a body whose checksum matched; false when it does not add up (a file this code did not write).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, out NodeId peer, out PeerRecord record)
    {
        peer = default;
        record = null!;
        if (body.Length < 16) return false;
        peer = new NodeId(BinaryPrimitives.ReadUInt64LittleEndian(body));
        int vectorLength = BinaryPrimitives.ReadInt32LittleEndian(body[8..]);
        if (vectorLength < 0 || vectorLength > body.Length - 16 ||
            !VersionVector.TryDecode(body.Slice(12, vectorLength), int.MaxValue, out var holds, out int read) || read != vectorLength)
            return false;
        var rest = body[(12 + vectorLength)..];
        int fingerprintLength = BinaryPrimitives.ReadInt32LittleEndian(rest);
        if (fingerprintLength < 0 || fingerprintLength > LegacyPeerStateFile.MaxFingerprintBytes || fingerprintLength != rest.Length - 4) return false;
        string? fingerprint = null;
        if (fingerprintLength > 0)
        {
            try
            {
                fingerprint = StrictUtf8.GetString(rest[4..]);
            }
            catch (DecoderFallbackException)
            {
                return false;
            }
        }
        record = new PeerRecord(holds, fingerprint);
        return true;
    }
}
