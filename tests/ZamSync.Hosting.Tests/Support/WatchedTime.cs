using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace ZamSync.Hosting.Tests.Support;

/// <summary>
/// A fake clock that also reports every timer created on it. A test that advances the clock must do so after the
/// code under test started waiting, or the wait starts from the advanced time and never ends; awaiting
/// <see cref="NextTimerAsync"/> is that signal (Polly's backoff and the replicator's schedule both wait on timers).
/// </summary>
public sealed class WatchedTime : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public WatchedTime(DateTimeOffset start) : base(start) { }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>The due time of the next timer created (a generous real-time bound only guards against a hung test).</summary>
    public async Task<TimeSpan> NextTimerAsync() =>
        await _timers.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>A start for fake clocks that certificates issued now accept, at least two hours before UTC midnight.</summary>
    public static DateTimeOffset SafeStart()
    {
        var now = DateTimeOffset.UtcNow;
        return now.TimeOfDay < TimeSpan.FromHours(22) ? now : new DateTimeOffset(now.UtcDateTime.Date.AddDays(1).AddHours(1), TimeSpan.Zero);
    }
}
