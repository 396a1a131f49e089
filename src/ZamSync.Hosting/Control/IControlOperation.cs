using System.Text.Json;
using System.Text.Json.Nodes;

namespace ZamSync.Hosting.Control;

/// <summary>
/// One thing a local client may ask a running node to do (<c>status</c>, <c>submit</c>, <c>sync</c>, or an app's own).
/// Register implementations in the container; the control server dispatches requests to them by <see cref="Name"/>.
/// </summary>
public interface IControlOperation
{
    /// <summary>The request's <c>op</c>: lower case, dotted for an app's own (<c>clinic.submit</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Runs the request. <paramref name="arguments"/> is the request's <c>args</c> object (an empty object when absent).
    /// Throw <see cref="ControlException"/> for a request the caller got wrong; its message reaches the caller as is.
    /// </summary>
    ValueTask<JsonNode?> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken);
}

/// <summary>A part of the <c>status</c> answer contributed by a component (the replicator, the hub, the app).</summary>
public interface IControlStatusSection
{
    /// <summary>The key of this section in the status object (<c>replicator</c>, <c>hub</c>).</summary>
    string Name { get; }

    /// <summary>A snapshot of the component's state, made of JSON values only.</summary>
    JsonNode? Describe();
}
