using System.Security.Cryptography.X509Certificates;

namespace ZamSync.Net.Tls;

/// <summary>Mutual TLS for a node or a hub: its own certificate, the deployment CA, and what is revoked.</summary>
public sealed record TlsOptions
{
    /// <summary>This side's certificate, with its private key, issued by <see cref="Authority"/>.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>The deployment CA: the only root trusted for peers.</summary>
    public required X509Certificate2 Authority { get; init; }

    /// <summary>Serial numbers (hex, as <see cref="X509Certificate2.SerialNumber"/> prints them) that are refused.</summary>
    public IReadOnlySet<string> RevokedSerials { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long the TLS handshake may take (15 s by default).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Clock for validity checks (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
