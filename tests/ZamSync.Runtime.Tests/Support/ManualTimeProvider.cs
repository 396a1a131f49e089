namespace ZamSync.Tests.Support;

/// <summary>A clock the test sets by hand: <see cref="GetUtcNow"/> returns whatever it was last set to.</summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks;

    public ManualTimeProvider(DateTimeOffset start) => _ticks = start.UtcTicks;

    /// <summary>Starts at <paramref name="unixMilliseconds"/> after the Unix epoch.</summary>
    public ManualTimeProvider(long unixMilliseconds) : this(DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds)) { }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public long UnixMilliseconds
    {
        get => GetUtcNow().ToUnixTimeMilliseconds();
        set => Interlocked.Exchange(ref _ticks, DateTimeOffset.FromUnixTimeMilliseconds(value).UtcTicks);
    }

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
