using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ZamSync.Hosting.Control.Operations;

/// <summary>
/// <c>compact</c>: the running node compacts its own log (<see cref="ZamEngine.CompactAsync(CompactionOptions?, CancellationToken)"/>),
/// with optional retention: <c>{"before": "2026-06-01T00:00:00Z", "keepPerOrigin": 100, "dryRun": true}</c>. The engine
/// keeps its rules whatever is asked: it never drops an event a known peer lacks, never forgets an origin or lowers a
/// sequence. Answers with what was (or would be) freed.
/// </summary>
public sealed class CompactOperation(ZamEngine engine) : IControlOperation
{
    public string Name => "compact";

    public async ValueTask<JsonNode?> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        var options = new CompactionOptions();
        if (arguments.ValueKind == JsonValueKind.Object)
        {
            if (arguments.TryGetProperty("before", out var before))
            {
                if (before.ValueKind != JsonValueKind.String || !DateTimeOffset.TryParse(before.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
                    throw new ControlException("compact: \"before\" must be an ISO 8601 instant such as 2026-06-01T00:00:00Z.");
                options = options with { Before = instant };
            }
            if (arguments.TryGetProperty("keepPerOrigin", out var keep))
            {
                if (!keep.TryGetInt32(out int count) || count < 0) throw new ControlException("compact: \"keepPerOrigin\" must be a whole number, 0 or more.");
                options = options with { KeepPerOrigin = count };
            }
            if (arguments.TryGetProperty("dryRun", out var dry))
            {
                if (dry.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw new ControlException("compact: \"dryRun\" must be true or false.");
                options = options with { DryRun = dry.GetBoolean() };
            }
        }
        CompactionResult result;
        try
        {
            result = await engine.CompactAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException ex)
        {
            throw new ControlException(ex.Message, ex);
        }
        return Describe(result, engine.NodeId);
    }

    /// <summary>What the tool prints: events dropped per origin, bytes before and after, the floors, what held it back.</summary>
    public static JsonObject Describe(CompactionResult result, NodeId node)
    {
        var floors = new JsonObject();
        foreach (var (origin, seq) in result.Floors.OrderBy(p => p.Key.Value)) floors[origin.ToString()] = seq;
        var dropped = new JsonObject();
        foreach (var (origin, count) in result.DroppedPerOrigin.OrderBy(p => p.Key.Value)) dropped[origin.ToString()] = count;
        return new JsonObject
        {
            ["node"] = node.ToString(),
            ["dryRun"] = result.DryRun,
            ["eventsDropped"] = (long)result.EventsDropped,
            ["droppedPerOrigin"] = dropped,
            ["bytesBefore"] = result.BytesBefore,
            ["bytesAfter"] = result.BytesAfter,
            ["bytesFreed"] = result.BytesBefore - result.BytesAfter,
            ["floors"] = floors,
            ["horizon"] = result.Horizon?.ToString(),
            ["stoppedBy"] = result.StoppedBy,
        };
    }
}
