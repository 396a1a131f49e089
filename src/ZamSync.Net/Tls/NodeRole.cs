namespace ZamSync.Net.Tls;

/// <summary>What a certificate lets its holder be.</summary>
public enum NodeRole
{
    /// <summary>A clinic, ship or shop: may connect to a hub (client authentication only).</summary>
    Node,
    /// <summary>A hub: may accept connections (server and client authentication).</summary>
    Hub,
    /// <summary>
    /// A district coordinator or a monitoring service: may read a hub's HTTP API (every clinic's events), but never
    /// syncs: a hub refuses its certificate in a sync handshake, because it is a reader, not a node that holds events.
    /// Client authentication only.
    /// </summary>
    Coordinator,
}
