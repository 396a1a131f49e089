using System.Text.Json;
using System.Text.Json.Nodes;

namespace ZamSync.Hosting.Control.Operations;

/// <summary>
/// <c>submit</c>: stores a local event on the running node, <c>{"type": 3, "payload": "&lt;base64&gt;"}</c>, and answers
/// once it is durable with its identity. The client serializes the event (as <see cref="ZamEngine.SubmitAsync{TEvent}"/>
/// would); the node does not need to know the caller's types.
/// </summary>
public sealed class SubmitOperation(ZamEngine engine) : IControlOperation
{
    public string Name => "submit";

    public async ValueTask<JsonNode?> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        if (!arguments.TryGetProperty("type", out var type) || !type.TryGetUInt32(out uint eventType) || eventType == 0)
            throw new ControlException("submit needs \"type\": the event's type id, a positive integer.");
        if (!arguments.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.String || !payload.TryGetBytesFromBase64(out var bytes))
            throw new ControlException("submit needs \"payload\": the event's serialized bytes in base64.");
        var stored = await engine.SubmitAsync(eventType, bytes, cancellationToken).ConfigureAwait(false);
        return Describe(stored);
    }

    internal static JsonObject Describe(EventEnvelope e) => new()
    {
        ["origin"] = e.Origin.ToString(),
        ["sequence"] = e.Sequence,
        ["hlc"] = e.Hlc.ToString(),
        ["type"] = e.EventType,
    };
}
