namespace ZamSync.Hosting.Control;

/// <summary>Where and how a running node listens for local control requests.</summary>
public sealed class ControlEndpointOptions
{
    /// <summary>The Unix domain socket; <see cref="ControlEndpoint.DefaultSocketPath"/> of the data directory when empty.</summary>
    public string SocketPath { get; set; } = "";

    /// <summary>The largest request accepted, in bytes (a submit carries its payload, base64). 4 MiB by default.</summary>
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long a connected client may take to send a whole request. 10 seconds by default.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests run at once; requests on further connections wait for a turn. 8 by default.</summary>
    public int MaxConcurrentRequests { get; set; } = 8;

    /// <summary>Connections held open at once; a client beyond this is answered that the node is busy. 64 by default.</summary>
    public int MaxConnections { get; set; } = 64;

    internal void Validate()
    {
        if (MaxRequestBytes < 1024) throw new ArgumentOutOfRangeException(nameof(MaxRequestBytes), MaxRequestBytes, "MaxRequestBytes must be at least 1024.");
        if (RequestTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "RequestTimeout must be positive.");
        if (MaxConnections < MaxConcurrentRequests) throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, "MaxConnections must be at least MaxConcurrentRequests.");
        if (MaxConcurrentRequests < 1) throw new ArgumentOutOfRangeException(nameof(MaxConcurrentRequests), MaxConcurrentRequests, "MaxConcurrentRequests must be at least 1.");
    }
}
