using System.Text.Json.Nodes;
using ZamSync.Inspection;

namespace ZamSync.Tool.Tests;

public sealed class AuditTests
{
    [Fact]
    public async Task Audit_lists_every_event_in_fold_order_with_the_sha256_of_its_payload()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        var run = await ToolRun.RunAsync("audit", "--dir", dirs.ClinicDir, "--format", "jsonl");
        Assert.True(run.ExitCode == 0, run.Error);
        var rows = run.OutLines.Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(10, rows.Count);
        var keys = rows.Select(r => new EventKey(ParseHlc((string)r["hlc"]!), NodeId.Parse((string)r["origin"]!), (ulong)r["sequence"]!)).ToList();
        Assert.Equal(keys.OrderBy(k => k), keys);
        foreach (var row in rows)
        {
            Assert.Equal(dirs.Sha256[(ulong.Parse((string)row["origin"]!), (ulong)row["sequence"]!)], (string?)row["sha256"]);
            Assert.Equal(1U, (uint)row["type"]!);
            Assert.EndsWith("Z", (string)row["time"]!);
        }
    }

    [Fact]
    public async Task Audit_filters_by_origin_and_time_and_takes_a_head_or_a_tail_in_text_and_csv()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        var csv = await ToolRun.RunAsync("audit", "--dir", dirs.ClinicDir, "--format", "csv", "--origin", "7", "--tail", "2");
        Assert.True(csv.ExitCode == 0, csv.Error);
        Assert.Equal("time,hlc,origin,sequence,type,bytes,sha256,quarantined", csv.OutLines[0]);
        Assert.Equal(["6", "7"], csv.OutLines.Skip(1).Select(l => l.Split(',')[3]));
        Assert.All(csv.OutLines.Skip(1), l => Assert.Equal("7", l.Split(',')[2]));

        var text = await ToolRun.RunAsync("audit", "--dir", dirs.ClinicDir, "--head", "3", "--since", "2000-01-01");
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Equal(4, text.OutLines.Length); // the header and three events

        var future = await ToolRun.RunAsync("audit", "--dir", dirs.ClinicDir, "--format", "jsonl", "--since", "2999-01-01T00:00:00Z");
        Assert.Equal(0, future.ExitCode);
        Assert.Equal("", future.Out);
    }

    [Fact]
    public async Task Audit_of_an_encrypted_log_needs_its_key_and_then_prints_the_plaintext_hashes()
    {
        using var dirs = await NodeDirectories.CreateAsync(encrypted: true);
        var without = await ToolRun.RunAsync("audit", "--dir", dirs.ClinicDir);
        Assert.Equal(1, without.ExitCode);
        Assert.Contains("--key", Assert.Single(without.ErrorLines));

        var with = await ToolRun.RunAsync("audit", "--dir", dirs.ClinicDir, "--key", dirs.KeyFile, "--format", "jsonl");
        Assert.True(with.ExitCode == 0, with.Error);
        Assert.Equal(10, with.OutLines.Length);
        foreach (var row in with.OutLines.Select(l => JsonNode.Parse(l)!))
            Assert.Equal(dirs.Sha256[(ulong.Parse((string)row["origin"]!), (ulong)row["sequence"]!)], (string?)row["sha256"]);

        var wrongKey = Path.Combine(dirs.Root, "wrong.key");
        File.WriteAllText(wrongKey, new string('a', 64));
        var wrong = await ToolRun.RunAsync("audit", "--dir", dirs.ClinicDir, "--key", wrongKey);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("does not open the log", Assert.Single(wrong.ErrorLines));
    }

    [Fact]
    public async Task Audit_reports_a_damaged_record_with_its_offset_and_exits_1()
    {
        using var dirs = await NodeDirectories.CreateAsync();
        var victim = Records(dirs.LogPath)[3];
        FlipByte(dirs.LogPath, victim.Offset + 60);
        var run = await ToolRun.RunAsync("audit", "--dir", dirs.ClinicDir, "--format", "jsonl");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.ErrorLines, l => l.Contains($"at byte {victim.Offset}:") && l.Contains("fails its checksum") && l.Contains("resume at byte"));
        Assert.Equal(9, run.OutLines.Length); // every other event is still listed
    }

    [Fact]
    public async Task Audit_reports_an_authentication_failure_with_the_offset_and_exits_1()
    {
        using var dirs = await NodeDirectories.CreateAsync(encrypted: true);
        // Flip a ciphertext byte and fix the record's CRC: only the AEAD tag can catch it now.
        var victim = Records(dirs.LogPath, dirs.Key)[2];
        FlipByte(dirs.LogPath, victim.Offset + 52 + 14);
        RewriteBodyCrc(dirs.LogPath, victim);
        var run = await ToolRun.RunAsync("audit", "--dir", dirs.ClinicDir, "--key", dirs.KeyFile);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.ErrorLines, l => l.Contains($"at byte {victim.Offset}:") && l.Contains("authentication"));
    }

    internal static IReadOnlyList<WalRecordInfo> Records(string logPath, byte[]? key = null)
    {
        using var log = WalInspector.Open(logPath, key);
        var scan = log.Scan();
        Assert.Empty(scan.Problems);
        return scan.Records;
    }

    internal static void FlipByte(string path, long offset)
    {
        using var file = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        int value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0x5A));
    }

    internal static void RewriteBodyCrc(string path, WalRecordInfo record)
    {
        var bytes = File.ReadAllBytes(path);
        int body = (int)record.Offset + 52, length = record.Length - 56;
        uint crc = System.IO.Hashing.Crc32.HashToUInt32(System.IO.Hashing.Crc32ParameterSet.Crc32C, bytes.AsSpan(body, length));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(body + length), crc);
        File.WriteAllBytes(path, bytes);
    }

    private static Hlc ParseHlc(string text)
    {
        var parts = text.Split('.');
        return new Hlc(long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
