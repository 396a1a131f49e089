namespace ZamSync.AspNetCore.Problems;

/// <summary>
/// The API's error answers, each an RFC 9457 problem-details body: a caller's mistake is a 4xx that says what to fix,
/// never a 500.
/// </summary>
internal static class ApiProblems
{
    public static IResult BadRequest(string detail) =>
        Results.Problem(title: "Bad request", detail: detail, statusCode: StatusCodes.Status400BadRequest);

    public static IResult NotOpen(string detail) =>
        Results.Problem(title: "The engine is not open", detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);

    public static IResult TooManyStreams(int max) =>
        Results.Problem(title: "Too many event streams", detail: $"this node serves at most {max} event streams at once; retry later",
            statusCode: StatusCodes.Status503ServiceUnavailable);

    public static IResult Compacted(EventsCompactedException ex, VersionVector compacted) =>
        Results.Problem(title: "Events compacted", statusCode: StatusCodes.Status410Gone,
            detail: $"the cursor needs events of origin {ex.Origin} from sequence {ex.Requested}, but this node keeps only those after {ex.Floor}; start again from the cursor in 'compacted'",
            extensions: new Dictionary<string, object?> { ["compacted"] = Cursors.EventCursor.Encode(compacted) });
}
