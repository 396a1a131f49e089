using System.Text;
using ZamSync.Wal;
using ZamSync.Tests.Support;

namespace ZamSync.Net.Tests.Convergence;

/// <summary>
/// One node of a world: its engine, its own clock (world time plus a skew that jumps and drifts), its
/// encryption at rest, and the directory it lives in (a power cut moves it to a copy).
/// </summary>
internal sealed class WorldNode : IAsyncDisposable
{
    private readonly string _root;
    private int _generation;
    private int _submitted;

    public WorldNode(string root, NodeId id, WalCipherKind cipher, byte[] key, long worldMs)
    {
        _root = root;
        Id = id;
        Clock = new ManualTimeProvider(worldMs);
        Options = new ZamEngineOptions
        {
            TimeProvider = Clock,
            Wal = cipher == WalCipherKind.None ? new WalOptions() : new WalOptions { Cipher = cipher, Key = key },
        };
        Directory = NextDirectory();
    }

    public NodeId Id { get; }

    public ManualTimeProvider Clock { get; }

    public ZamEngineOptions Options { get; }

    /// <summary>How far this node's wall clock is off world time, in milliseconds.</summary>
    public long SkewMs { get; set; }

    public string Directory { get; private set; }

    public ZamEngine<LedgerState> Engine { get; private set; } = null!;

    public async Task OpenAsync() => Engine = await Nodes.OpenAsync(Directory, Id.Value, Options);

    public void SetTime(long worldMs) => Clock.UnixMilliseconds = worldMs + SkewMs;

    /// <summary>A payload no other submit in the world shares, so a doubled or misplaced apply shows in the state.</summary>
    public byte[] NextPayload() => Encoding.UTF8.GetBytes($"n{Id.Value}-{Interlocked.Increment(ref _submitted)}");

    public string NextDirectory() => Path.Combine(_root, $"node-{Id.Value}-{_generation++}");

    public async Task ReopenAsync()
    {
        await Engine.DisposeAsync();
        await OpenAsync();
    }

    /// <summary>
    /// A power cut: the node's files are copied while it runs (everything else first, the log last, so the copy
    /// is at least as new in the log as in its side files, as after a crash), then the node restarts from the copy.
    /// </summary>
    public async Task<string> CopyFilesWhileRunningAsync()
    {
        var target = NextDirectory();
        System.IO.Directory.CreateDirectory(target);
        var files = System.IO.Directory.GetFiles(Directory).OrderBy(f => Path.GetFileName(f) == "events.wal" ? 1 : 0);
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(".lock", StringComparison.Ordinal)) continue;
            try
            {
                await using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                await using var copy = new FileStream(Path.Combine(target, name), FileMode.CreateNew, FileAccess.Write);
                await source.CopyToAsync(copy);
            }
            catch (FileNotFoundException)
            {
                // A temporary file renamed away while we listed: a crash would not have seen it either.
            }
        }
        return target;
    }

    public async Task RestartFromAsync(string directory)
    {
        await Engine.DisposeAsync();
        Directory = directory;
        await OpenAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Engine is not null) await Engine.DisposeAsync();
    }
}
