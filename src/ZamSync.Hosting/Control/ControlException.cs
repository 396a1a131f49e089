namespace ZamSync.Hosting.Control;

/// <summary>
/// A control request that failed: on the server, thrown by an operation for a request the caller got wrong; on the
/// client, what the server answered (its one-line message) or why the endpoint could not be used.
/// </summary>
public sealed class ControlException : ZamException
{
    public ControlException(string message) : base(message) { }

    public ControlException(string message, Exception? inner) : base(message, inner) { }
}
