namespace ZamSync.Net.Tls;

/// <summary>What a certificate lets its holder be.</summary>
public enum NodeRole
{
    /// <summary>A clinic, ship or shop: may connect to a hub (client authentication only).</summary>
    Node,
    /// <summary>A hub: may accept connections (server and client authentication).</summary>
    Hub,
}
