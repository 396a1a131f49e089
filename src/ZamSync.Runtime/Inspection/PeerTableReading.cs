using System.Buffers.Binary;
using ZamSync.Storage;

namespace ZamSync.Inspection;

/// <summary>
/// The peer table as a read-only replay of <c>peers.log</c> (and of an older build's <c>peers.state</c> when it is
/// still there), with what is wrong with either. Where the engine's open would cut a torn last record or migrate the
/// old file, this only reports it.
/// </summary>
public sealed class PeerTableReading
{
    private PeerTableReading(IReadOnlyDictionary<NodeId, PeerRecord> peers, IReadOnlyList<InspectionProblem> problems, bool exists)
    {
        Peers = peers;
        Problems = problems;
        Exists = exists;
    }

    /// <summary>What each peer holds and the contract fingerprint it presented, as the engine would load it.</summary>
    public IReadOnlyDictionary<NodeId, PeerRecord> Peers { get; }

    /// <summary>Damage (file and offset), a torn last record, a format this build does not read.</summary>
    public IReadOnlyList<InspectionProblem> Problems { get; }

    /// <summary>Whether the directory has a peer table at all (a node that never synced has none).</summary>
    public bool Exists { get; }

    internal static PeerTableReading Read(string directory)
    {
        var table = new Dictionary<NodeId, PeerRecord>();
        var problems = new List<InspectionProblem>();
        var legacy = new LegacyPeerStateFile(directory);
        bool exists = false;
        if (File.Exists(legacy.Path))
        {
            exists = true;
            try
            {
                foreach (var (peer, record) in legacy.Load()) Remember(table, peer, record);
            }
            catch (ZamException ex)
            {
                problems.Add(new InspectionProblem(legacy.Path, -1, ex.Message));
            }
        }
        string path = Path.Combine(directory, FilePeerStore.FileName);
        if (File.Exists(path))
        {
            exists = true;
            Replay(path, File.ReadAllBytes(path), table, problems);
        }
        return new PeerTableReading(table, problems, exists);
    }

    private static ReadOnlySpan<byte> Magic => "ZSPEERL1"u8;

    // The same reading as FilePeerStore's replay (docs/wal-format.md, "peers.log"), reporting instead of cutting.
    private static void Replay(string path, byte[] bytes, Dictionary<NodeId, PeerRecord> table, List<InspectionProblem> problems)
    {
        if (bytes.Length < Magic.Length)
        {
            if (bytes.Length > 0) problems.Add(new InspectionProblem(path, 0, "the file ends inside its magic (a creation cut short; the engine's next open rewrites it)"));
            return;
        }
        if (!bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            problems.Add(new InspectionProblem(path, 0, $"not a peer log this build reads (it starts with '{System.Text.Encoding.ASCII.GetString(bytes, 0, Magic.Length)}', expected ZSPEERL1)"));
            return;
        }
        long offset = Magic.Length;
        while (offset < bytes.Length)
        {
            var rest = bytes.AsSpan((int)offset);
            if (rest.Length < PeerLogRecord.HeaderSize)
            {
                problems.Add(new InspectionProblem(path, offset, $"the file ends inside a record header ({rest.Length} bytes): a torn last write, which the engine's next open cuts"));
                return;
            }
            int length = BinaryPrimitives.ReadInt32LittleEndian(rest);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
            if (length < 0 || length > PeerLogRecord.MaxBodyBytes)
            {
                problems.Add(new InspectionProblem(path, offset, $"a record claims {length} bytes (damage; the engine refuses to open this table)"));
                return;
            }
            if (length > rest.Length - PeerLogRecord.HeaderSize)
            {
                problems.Add(new InspectionProblem(path, offset, $"a record claims {length} bytes but the file ends after {rest.Length - PeerLogRecord.HeaderSize}: a torn last write, which the engine's next open cuts"));
                return;
            }
            bool last = length == rest.Length - PeerLogRecord.HeaderSize;
            var body = rest.Slice(PeerLogRecord.HeaderSize, length);
            if (Crc32C.HashToUInt32(body) != crc)
            {
                problems.Add(new InspectionProblem(path, offset, last
                    ? "the last record fails its checksum: a torn last write, which the engine's next open cuts"
                    : "a record fails its checksum before the last one (media damage; the engine refuses to open this table)"));
                if (last) return;
                offset += PeerLogRecord.HeaderSize + length;
                continue;
            }
            if (!PeerLogRecord.TryDecode(body, out var peer, out var record))
                problems.Add(new InspectionProblem(path, offset, "a record's checksum matches but its fields do not add up"));
            else
                Remember(table, peer, record);
            offset += PeerLogRecord.HeaderSize + length;
        }
    }

    private static void Remember(Dictionary<NodeId, PeerRecord> table, NodeId peer, PeerRecord record)
    {
        var holds = table.TryGetValue(peer, out var known) ? known.Holds.Clone() : new VersionVector();
        holds.Merge(record.Holds);
        table[peer] = new PeerRecord(holds, string.IsNullOrEmpty(record.ContractFingerprint) ? null : record.ContractFingerprint);
    }
}
