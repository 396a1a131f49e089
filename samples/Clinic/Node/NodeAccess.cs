using System.Text.Json.Nodes;
using Clinic.Contracts;
using MemoryPack;
using ZamSync;
using ZamSync.Hosting.Control;
using ZamSync.Hosting.Control.Operations;

namespace Clinic.Node;

/// <summary>
/// The tool's way into a node: through the running node's control endpoint when it runs (the node owns the
/// directory), otherwise by opening the directory itself, as before there was a node service.
/// </summary>
internal sealed class NodeAccess : IAsyncDisposable
{
    private readonly ControlClient? _client;
    private readonly ZamEngine<ClinicNetworkState>? _engine;

    private NodeAccess(NodeDirectory directory, ControlClient? client, ZamEngine<ClinicNetworkState>? engine)
    {
        Directory = directory;
        _client = client;
        _engine = engine;
    }

    public NodeDirectory Directory { get; }

    /// <summary>True when a running node (<c>node</c> or <c>serve</c>) answers for the directory.</summary>
    public bool ThroughRunningNode => _client is not null;

    public static async Task<NodeAccess> OpenAsync(NodeDirectory directory, CancellationToken cancellationToken)
    {
        _ = directory.Config; // a directory that is not a node is named before anything else
        if (await ControlClient.ConnectToDirectoryAsync(directory.Path, cancellationToken) is { } client)
            return new NodeAccess(directory, client, null);
        return new NodeAccess(directory, null, await directory.OpenAsync(cancellationToken));
    }

    /// <summary>Records <paramref name="e"/>; durable when this returns. Returns its origin and sequence.</summary>
    public async Task<(string Origin, ulong Sequence)> SubmitAsync<TEvent>(TEvent e, string? requirePatient, CancellationToken cancellationToken)
        where TEvent : IZamEvent<TEvent>
    {
        byte[] payload = MemoryPackSerializer.Serialize(e);
        if (_engine is not null)
        {
            var stored = await ClinicRecorder.SubmitAsync(_engine, TEvent.EventTypeId, payload, requirePatient, cancellationToken);
            return (stored.Origin.ToString(), stored.Sequence);
        }
        var args = new JsonObject { ["type"] = TEvent.EventTypeId, ["payload"] = Convert.ToBase64String(payload) };
        if (requirePatient is not null) args["patient"] = requirePatient;
        var answer = await Invoke(ClinicRecorder.SubmitOperationName, args, cancellationToken);
        return ((string)answer!["origin"]!, (ulong)answer["sequence"]!);
    }

    /// <summary>The node's status, the shape of docs/control-endpoint.md with a <c>clinic</c> section.</summary>
    public async Task<JsonObject> StatusAsync(CancellationToken cancellationToken)
    {
        if (_engine is not null)
        {
            var status = StatusOperation.Describe(_engine);
            status["clinic"] = ClinicRecorder.Describe(_engine, Directory);
            status["running"] = false;
            // Through text, as a running node's answer comes: both paths then read the same way (a value built
            // in memory keeps its .NET type, and a ulong there cannot be read back as a long).
            return JsonNode.Parse(status.ToJsonString())!.AsObject();
        }
        var answer = (await Invoke("status", null, cancellationToken))!.AsObject();
        answer["running"] = true;
        return answer;
    }

    /// <summary>Runs an operation on the running node; null when the node is not running.</summary>
    public async Task<JsonNode?> InvokeIfRunningAsync(string operation, JsonObject? args, CancellationToken cancellationToken) =>
        _client is null ? null : await Invoke(operation, args, cancellationToken);

    private async Task<JsonNode?> Invoke(string operation, JsonObject? args, CancellationToken cancellationToken)
    {
        try
        {
            return await _client!.InvokeAsync(operation, args, cancellationToken);
        }
        catch (ControlException ex)
        {
            throw new UserError($"the running node at {Directory.Path} says: {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        if (_engine is not null) await _engine.DisposeAsync();
    }
}
