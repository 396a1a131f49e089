using System.Globalization;
using System.Text.Json;
using ZamSync.Storage;

namespace ZamSync.Hosting.Replication;

/// <summary>
/// The bytes spent today with every peer, against <see cref="ZamReplicatorOptions.MaxBytesPerDay"/>, kept in the data
/// directory (<see cref="FileName"/>, replaced durably after every session) so a restart cannot reset a metered link's
/// count. Sessions running at once reserve their worst case, so together they cannot pass the cap either.
/// </summary>
internal sealed class DailyBudget
{
    public const string FileName = "replicator.budget.json";
    private const int FormatVersion = 1;

    private readonly object _lock = new();
    private readonly string _path;
    private readonly BudgetDay _days;
    private readonly long? _max;
    private readonly Dictionary<NodeId, long> _peers = new();
    private DateOnly _day;
    private long _bytes;
    private long _reserved;
    private bool _spent;

    private DailyBudget(string path, BudgetDay days, long? max)
    {
        _path = path;
        _days = days;
        _max = max;
    }

    /// <summary>A session's share of the budget: the cap to give it, per direction (null: none).</summary>
    public sealed record Lease(long? Cap, bool LimitedByDay, long Reserved);

    /// <summary>Reads today's count from <paramref name="directory"/> (a count from another day is not today's).</summary>
    public static DailyBudget Load(string directory, BudgetDay days, long? maxBytesPerDay, DateTimeOffset now)
    {
        var budget = new DailyBudget(Path.Combine(directory, FileName), days, maxBytesPerDay) { _day = days.DayOf(now) };
        if (!File.Exists(budget._path)) return budget;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(budget._path));
            var root = document.RootElement;
            if (root.GetProperty("version").GetInt32() != FormatVersion) throw new FormatException("unknown version");
            var day = DateOnly.ParseExact(root.GetProperty("day").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            if (day != budget._day) return budget; // a new day: a fresh budget
            budget._bytes = root.GetProperty("bytes").GetInt64();
            foreach (var peer in root.GetProperty("peers").EnumerateObject())
                budget._peers[NodeId.Parse(peer.Name, CultureInfo.InvariantCulture)] = peer.Value.GetInt64();
            budget._spent = root.TryGetProperty("spent", out var spent) && spent.GetBoolean();
            if (budget._bytes < 0) throw new FormatException("negative byte count");
            return budget;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // Guessing would either overspend a metered link or stop syncing for a day: say so and let the operator decide.
            throw new ZamException(
                $"The replicator's budget file '{budget._path}' is unreadable ({ex.Message}). Delete it to count today's bytes from zero.", ex);
        }
    }

    public BudgetDay Days => _days;

    /// <summary>
    /// Reserves the worst case of one session (both directions at their cap), or null when today's budget is spent.
    /// The cap is the per-session one, lowered to half of what is left today, so sent plus received stays within it.
    /// </summary>
    public Lease? TryReserve(DateTimeOffset now, long? perSession)
    {
        lock (_lock)
        {
            Roll(now);
            if (_max is not { } max) return new Lease(perSession, false, 0);
            long perDirection = (max - _bytes - _reserved) / 2;
            if (_spent || perDirection <= 0) return null;
            long cap = Math.Min(perSession ?? long.MaxValue, perDirection);
            _reserved += 2 * cap;
            return new Lease(cap, perSession is not { } p || perDirection < p, 2 * cap);
        }
    }

    /// <summary>Counts what a session moved, releases its reservation and persists the count (throws if that fails).</summary>
    public void Complete(Lease lease, NodeId peer, long bytes, DateTimeOffset now)
    {
        lock (_lock)
        {
            _reserved -= lease.Reserved;
            Roll(now);
            _bytes += bytes;
            _peers[peer] = _peers.GetValueOrDefault(peer) + bytes;
            if (bytes == 0) return;
            var contents = Serialize();
            // Written under the lock so two sessions ending together cannot write their counts out of order.
            DurableFile.WriteAllBytes(_path, contents);
        }
    }

    /// <summary>
    /// What is left today cannot hold a session: no session starts before the next day. Persisted too, or a restart
    /// would connect once more only to learn it again.
    /// </summary>
    public void MarkSpent(DateTimeOffset now)
    {
        lock (_lock)
        {
            Roll(now);
            _spent = true;
            DurableFile.WriteAllBytes(_path, Serialize());
        }
    }

    public long BytesToday(NodeId peer, DateTimeOffset now)
    {
        lock (_lock)
        {
            Roll(now);
            return _peers.GetValueOrDefault(peer);
        }
    }

    public ReplicatorBudgetState Snapshot(DateTimeOffset now)
    {
        lock (_lock)
        {
            Roll(now);
            long? left = _max is { } max ? Math.Max(0, max - _bytes) : null;
            bool spent = _max is not null && (_spent || (_max.Value - _bytes - _reserved) / 2 <= 0);
            return new ReplicatorBudgetState(_day, _days.Boundary, _bytes, _max, left, _days.StartOfNextDay(now), spent);
        }
    }

    private void Roll(DateTimeOffset now)
    {
        var today = _days.DayOf(now);
        if (today == _day) return;
        _day = today;
        _bytes = 0;
        _peers.Clear();
        _spent = false;
    }

    private byte[] Serialize()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("version", FormatVersion);
            json.WriteString("day", _day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteString("boundary", _days.Boundary.ToString());
            json.WriteNumber("bytes", _bytes);
            json.WriteBoolean("spent", _spent);
            json.WriteStartObject("peers");
            foreach (var (peer, bytes) in _peers.OrderBy(p => p.Key)) json.WriteNumber(peer.ToString(), bytes);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
