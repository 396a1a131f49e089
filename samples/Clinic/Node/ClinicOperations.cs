using System.Text.Json;
using System.Text.Json.Nodes;
using Clinic.Contracts;
using ZamSync;
using ZamSync.Hosting.Control;

namespace Clinic.Node;

/// <summary>
/// What the clinic tool asks of a node, the same whether the node runs (through its control endpoint) or not (on an
/// engine the tool opened itself): one place decides whether an event may be recorded and what status says.
/// </summary>
internal static class ClinicRecorder
{
    public const string SubmitOperationName = "clinic.submit";

    /// <summary>Records an event, first checking that <paramref name="requirePatient"/> (when given) is registered here.</summary>
    public static async Task<EventEnvelope> SubmitAsync(ZamEngine<ClinicNetworkState> engine, uint type, ReadOnlyMemory<byte> payload, string? requirePatient, CancellationToken cancellationToken)
    {
        // Checked and stored under the node's own view of its state: with the node running, nobody else's.
        if (requirePatient is not null && !engine.Read(s => s.Patients.ContainsKey(requirePatient)))
            throw new UserError($"patient '{requirePatient}' is not registered on this clinic: register them first (`submit register`), " +
                                "or pass --unregistered-ok if their registration is on its way from another clinic. Nothing was recorded.");
        return await engine.SubmitAsync(type, payload, cancellationToken);
    }

    /// <summary>The clinic's part of <c>status</c>: its name, kind, patients, events applied and state hash.</summary>
    public static JsonObject Describe(ZamEngine<ClinicNetworkState> engine, NodeDirectory directory)
    {
        var (patients, applied, digest) = engine.Read(s => (s.Patients.Count, s.EventsApplied, s.Digest()));
        var config = directory.Config;
        return new JsonObject
        {
            ["name"] = config.Name,
            ["kind"] = config.Kind.ToString().ToLowerInvariant(),
            ["patients"] = patients,
            ["eventsApplied"] = applied,
            ["stateHash"] = digest,
            ["lastSync"] = directory.LastSync,
        };
    }
}

/// <summary><c>clinic.submit</c> on a running node: <c>{"type", "payload", "patient"?}</c>, checked as <see cref="ClinicRecorder"/> does.</summary>
internal sealed class ClinicSubmitOperation(ZamEngine<ClinicNetworkState> engine) : IControlOperation
{
    public string Name => ClinicRecorder.SubmitOperationName;

    public async ValueTask<JsonNode?> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        if (!arguments.TryGetProperty("type", out var type) || !type.TryGetUInt32(out uint eventType))
            throw new ControlException("clinic.submit needs \"type\".");
        if (!arguments.TryGetProperty("payload", out var payload) || !payload.TryGetBytesFromBase64(out var bytes))
            throw new ControlException("clinic.submit needs \"payload\" in base64.");
        string? patient = arguments.TryGetProperty("patient", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        try
        {
            var stored = await ClinicRecorder.SubmitAsync(engine, eventType, bytes, patient, cancellationToken);
            return new JsonObject { ["origin"] = stored.Origin.ToString(), ["sequence"] = stored.Sequence };
        }
        catch (UserError ex)
        {
            throw new ControlException(ex.Message);
        }
    }
}

/// <summary>The <c>clinic</c> section of a running node's status.</summary>
internal sealed class ClinicStatusSection(ZamEngine<ClinicNetworkState> engine, NodeDirectory directory) : ZamSync.Hosting.Control.IControlStatusSection
{
    public string Name => "clinic";

    public JsonNode? Describe() => ClinicRecorder.Describe(engine, directory);
}

/// <summary>
/// The <c>clinic</c> section of a hub served as a relay (<c>serve --relay</c>): its name and kind, and that it folds no
/// state, so it has no patients or state hash to report.
/// </summary>
internal sealed class RelayStatusSection(NodeDirectory directory) : ZamSync.Hosting.Control.IControlStatusSection
{
    public string Name => "clinic";

    public JsonNode? Describe() => new JsonObject
    {
        ["name"] = directory.Config.Name,
        ["kind"] = directory.Config.Kind.ToString().ToLowerInvariant(),
        ["relay"] = true,
        ["lastSync"] = directory.LastSync,
    };
}
