using Microsoft.Extensions.Time.Testing;

namespace ZamSync.Testing;

/// <summary>
/// A clock the test moves by hand (<see cref="FakeTimeProvider.Advance"/>, <see cref="FakeTimeProvider.SetUtcNow"/>),
/// for engines (<see cref="EngineOptions"/>), sessions and <see cref="TestEventLog"/>. It starts at a fixed instant,
/// <see cref="DefaultStart"/>, so the stamps of a test's events, and anything a state derives from them, are the same on
/// every run; and it stands still unless moved, so a timeout fires when the test says so rather than when a slow
/// machine gets there.
/// </summary>
public sealed class TestClock : FakeTimeProvider
{
    /// <summary>Where a clock made without a start begins: 2026-01-01T00:00:00Z.</summary>
    public static DateTimeOffset DefaultStart { get; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A clock at <see cref="DefaultStart"/>.</summary>
    public TestClock() : this(DefaultStart) { }

    /// <summary>A clock at <paramref name="start"/>.</summary>
    public TestClock(DateTimeOffset start) : base(start) { }

    /// <summary>
    /// <paramref name="options"/> (or the defaults) with this clock as the engine's <see cref="ZamEngineOptions.TimeProvider"/>:
    /// its hybrid logical clock stamps local events from this time and bounds remote readings against it.
    /// </summary>
    public ZamEngineOptions EngineOptions(ZamEngineOptions? options = null) => (options ?? new ZamEngineOptions()) with { TimeProvider = this };
}
