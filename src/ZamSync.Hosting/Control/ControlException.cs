namespace ZamSync.Hosting.Control;

/// <summary>
/// A control request that failed: on the server, thrown by an operation for a request the caller got wrong; on the
/// client, what the server answered (its one-line message) or why the endpoint could not be used.
/// </summary>
public sealed class ControlException : ZamException
{
    /// <summary>The <see cref="Code"/> of a request for an operation the node does not serve (a node without a replicator has no <c>sync</c>).</summary>
    public const string UnknownOperation = "unknown_operation";

    public ControlException(string message) : base(message) { }

    public ControlException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>Creates the client's exception for a failed answer, with the server's machine-readable code.</summary>
    public ControlException(string message, string? code) : base(message) => Code = code;

    /// <summary>What kind of failure the server answered, for callers that act on it (null when it gave none).</summary>
    public string? Code { get; }
}
