using ZamSync.Wal;

namespace ZamSync.Hosting.Node;

/// <summary>
/// How a hosted node opens its engine (<c>services.AddZamSyncNode&lt;TState&gt;()</c>). Bound from the configuration
/// section <see cref="SectionName"/>; every value is checked when the host starts, and a bad one fails the start with
/// a message that names its key (for example <c>ZamSync:Node:NodeId</c>).
/// </summary>
public sealed class ZamNodeOptions
{
    /// <summary>The configuration section read by default: <c>ZamSync:Node</c>.</summary>
    public const string SectionName = "ZamSync:Node";

    /// <summary>The node's data directory (the log, peer knowledge, snapshot). Required; created if missing.</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>The node's id, unique in the deployment and never zero. Required.</summary>
    public ulong NodeId { get; set; }

    /// <summary>How far a peer's clock may pull ours ahead (<see cref="ZamEngineOptions.MaxClockDrift"/>; 15 minutes by default).</summary>
    public TimeSpan MaxClockDrift { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Encryption at rest (<see cref="WalOptions.Cipher"/>); <see cref="WalCipherKind.None"/> by default. Any other
    /// cipher needs <see cref="KeyFile"/>.
    /// </summary>
    public WalCipherKind Cipher { get; set; } = WalCipherKind.None;

    /// <summary>
    /// The file holding the log's 32-byte key: the raw 32 bytes, or 64 hexadecimal digits, or the key in base64
    /// (surrounding white space ignored). Keep it outside the data directory, readable only by the service's user.
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>Decides whether a replicated event is acceptable here (code only; optional).</summary>
    public IEventValidator? Validator { get; set; }

    /// <summary>
    /// A last word on the engine's options, for what configuration cannot express (a peer store, an explicit
    /// contract). It receives the options built from this object and the host (time, meters) and returns those to use.
    /// </summary>
    public Func<ZamEngineOptions, ZamEngineOptions>? ConfigureEngine { get; set; }
}
