using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZamSync.AspNetCore.Authentication;
using ZamSync.AspNetCore.Cursors;
using ZamSync.AspNetCore.Problems;
using ZamSync.Sync;

namespace ZamSync.AspNetCore.Events;

/// <summary><c>GET /api/events</c> (pages after a cursor) and <c>GET /api/events/stream</c> (server-sent events).</summary>
internal static class EventEndpoints
{
    /// <summary>The SSE event type of every event the stream sends.</summary>
    public const string StreamEventType = "zamsync.event";

    public static IResult Page(HttpContext http, ZamSyncApiOptions options)
    {
        if (!TryCursor(http.Request.Query["after"], options, out var after, out var problem)) return problem;
        if (!TryLimit(http.Request.Query["limit"], options, out int limit, out problem)) return problem;
        if (!ZamSyncApiContext.TryGetEngine(http, out var engine, out problem)) return problem;
        try
        {
            return Results.Ok(EventPageReader.Read(engine, after, limit, ZamSyncApiContext.Credential(http), options.AccessPolicy));
        }
        catch (EventsCompactedException ex)
        {
            return ApiProblems.Compacted(ex, engine.Compacted);
        }
    }

    /// <summary>
    /// Every event after the cursor (the <c>Last-Event-ID</c> header when the client reconnects, else <c>after</c>),
    /// then new ones as they become durable. Each event's id is the cursor that covers it, so a client that reconnects
    /// with the last id it saw continues with no gap and no duplicate.
    /// </summary>
    public static IResult Stream(HttpContext http, ZamSyncApiOptions options, EventStreamSlots slots)
    {
        string? lastId = http.Request.Headers["Last-Event-ID"];
        string? source = string.IsNullOrEmpty(lastId) ? http.Request.Query["after"].ToString() : lastId;
        if (!TryCursor(source, options, out var after, out var problem)) return problem;
        if (!ZamSyncApiContext.TryGetEngine(http, out var engine, out problem)) return problem;
        var caller = ZamSyncApiContext.Credential(http);
        var visible = caller.Visible(after, options.AccessPolicy);
        var compacted = engine.Compacted;
        foreach (var (origin, floor) in compacted)
            if (caller.CanRead(origin, options.AccessPolicy) && visible[origin] < floor)
                return ApiProblems.Compacted(new EventsCompactedException(origin, visible[origin] + 1, floor), compacted);
        if (slots.TryTake() is not { } slot) return ApiProblems.TooManyStreams(options.MaxStreams);
        http.Response.RegisterForDispose(slot);
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        // A stream never ends by itself: it ends when the host stops too, so stopping does not wait for its timeout.
        var stopping = http.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        return TypedResults.ServerSentEvents(FeedAsync(http.Response, engine, visible, caller, options.AccessPolicy, json, stopping, http.RequestAborted));
    }

    private static async IAsyncEnumerable<SseItem<string>> FeedAsync(HttpResponse response, ZamEngine engine, VersionVector cursor, ZamCredential caller,
        AccessPolicy policy, JsonSerializerOptions json, CancellationToken stopping, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The headers go out now, not with the first event: a client with nothing to catch up on learns at once that
        // the stream is open (a browser's EventSource fires "open" only then) instead of waiting for the next event.
        await response.StartAsync(cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false); // StartAsync only buffers them
        // The feed starts where the caller's cursor is for what it may see, and at what the node holds now for the
        // rest: those events would be filtered out anyway, so the engine need not read them from the log.
        var from = cursor.Clone();
        if (!caller.ReadsAll(policy))
            foreach (var (origin, sequence) in engine.Known)
                if (!caller.CanRead(origin, policy)) from.Advance(origin, sequence);
        var quarantined = EventPageReader.QuarantinedKeys(engine);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        var changes = engine.Changes(from, either.Token).GetAsyncEnumerator(either.Token);
        await using var _ = changes.ConfigureAwait(false);
        while (true)
        {
            bool more;
            try
            {
                more = await changes.MoveNextAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                more = false; // the host is stopping: the response ends cleanly and the client reconnects elsewhere or later
            }
            if (!more) yield break;
            var change = changes.Current;
            var e = change.Envelope;
            if (!caller.CanRead(e.Origin, policy)) continue;
            cursor.Advance(e.Origin, e.Sequence);
            bool isQuarantined = change.Quarantined || quarantined?.Contains((e.Origin, e.Sequence)) == true;
            yield return new SseItem<string>(JsonSerializer.Serialize(EventJson.From(e, isQuarantined), json), StreamEventType)
            {
                EventId = EventCursor.Encode(cursor),
            };
        }
    }

    private static bool TryCursor(string? value, ZamSyncApiOptions options, out VersionVector after, out IResult problem)
    {
        problem = null!;
        if (EventCursor.TryDecode(value, options.MaxCursorLength, out var decoded, out var error))
        {
            after = decoded;
            return true;
        }
        after = null!;
        problem = ApiProblems.BadRequest($"after: {error}");
        return false;
    }

    private static bool TryLimit(string? value, ZamSyncApiOptions options, out int limit, out IResult problem)
    {
        problem = null!;
        limit = options.DefaultPageSize;
        if (string.IsNullOrEmpty(value)) return true;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > options.MaxPageSize)
        {
            problem = ApiProblems.BadRequest($"limit: '{Truncate(value)}' is not a whole number from 1 to {options.MaxPageSize}");
            return false;
        }
        return true;
    }

    /// <summary>Echoes at most a few characters of a bad value: an error body must not grow with the attack.</summary>
    private static string Truncate(string value) => value.Length <= 32 ? value : value[..32] + "…";
}
