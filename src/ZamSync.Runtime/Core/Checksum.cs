using System.IO.Hashing;

namespace ZamSync;

/// <summary>CRC-32C (Castagnoli): hardware accelerated on x86-64 (SSE4.2) and ARMv8, stronger than CRC-32 for short records.</summary>
internal static class Crc32C
{
    public static uint HashToUInt32(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);
}
