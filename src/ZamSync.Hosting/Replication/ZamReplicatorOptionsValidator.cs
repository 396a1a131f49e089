using System.Globalization;
using Microsoft.Extensions.Options;

namespace ZamSync.Hosting.Replication;

/// <summary>Checks the replicator's options when the host starts; every problem is reported with its key.</summary>
internal sealed class ZamReplicatorOptionsValidator(string section) : IValidateOptions<ZamReplicatorOptions>
{
    /// <summary>Polly's retry accepts a base delay up to one day.</summary>
    private static readonly TimeSpan MaxRetryBaseDelay = TimeSpan.FromDays(1);

    public ValidateOptionsResult Validate(string? name, ZamReplicatorOptions o)
    {
        var failures = new List<string>();
        if (o.Peers is null || o.Peers.Count == 0)
            failures.Add($"{section}:Peers: at least one peer is required (Address as host:port, and NodeId).");
        else
        {
            var seen = new HashSet<ulong>();
            for (int i = 0; i < o.Peers.Count; i++)
            {
                var peer = o.Peers[i];
                string key = string.Create(CultureInfo.InvariantCulture, $"{section}:Peers:{i}");
                if (!IsHostAndPort(peer.Address))
                    failures.Add($"{key}:Address: '{peer.Address}' is not host:port (for example hub.example:7000).");
                if (peer.NodeId == 0)
                    failures.Add($"{key}:NodeId: is required and must not be 0.");
                else if (!seen.Add(peer.NodeId))
                    failures.Add($"{key}:NodeId: {peer.NodeId} is listed twice.");
            }
        }
        if (o.Interval <= TimeSpan.Zero)
            failures.Add($"{section}:Interval: must be positive, got {o.Interval}.");
        if (o.MinInterval < TimeSpan.Zero)
            failures.Add($"{section}:MinInterval: must not be negative, got {o.MinInterval}.");
        else if (o.Interval > TimeSpan.Zero && o.MinInterval > o.Interval)
            failures.Add($"{section}:MinInterval: {o.MinInterval} is longer than {section}:Interval ({o.Interval}).");
        if (o.MaxBytesPerSession is <= 0)
            failures.Add($"{section}:MaxBytesPerSession: must be positive when set, got {o.MaxBytesPerSession}.");
        if (o.MaxBytesPerDay is <= 0)
            failures.Add($"{section}:MaxBytesPerDay: must be positive when set, got {o.MaxBytesPerDay}.");
        if (!Enum.IsDefined(o.DayBoundary))
            failures.Add($"{section}:DayBoundary: '{o.DayBoundary}' is not Local or Utc.");
        if (o.RetryBaseDelay <= TimeSpan.Zero || o.RetryBaseDelay > MaxRetryBaseDelay)
            failures.Add($"{section}:RetryBaseDelay: must be positive and at most a day, got {o.RetryBaseDelay}.");
        if (o.RetryMaxDelay < o.RetryBaseDelay)
            failures.Add($"{section}:RetryMaxDelay: {o.RetryMaxDelay} is shorter than {section}:RetryBaseDelay ({o.RetryBaseDelay}).");
        if (o.MaxRetryAttempts < 0)
            failures.Add($"{section}:MaxRetryAttempts: must not be negative, got {o.MaxRetryAttempts}.");
        if (o.ConnectTimeout <= TimeSpan.Zero)
            failures.Add($"{section}:ConnectTimeout: must be positive, got {o.ConnectTimeout}.");

        bool hasCertificate = !string.IsNullOrWhiteSpace(o.CertificateFile), hasAuthority = !string.IsNullOrWhiteSpace(o.AuthorityFile);
        if (!hasCertificate && !hasAuthority)
        {
            if (!o.AllowPlaintext)
                failures.Add($"{section}:CertificateFile: is required, with {section}:AuthorityFile, for mutual TLS (set {section}:AllowPlaintext only on a trusted network).");
        }
        else
        {
            if (!hasCertificate) failures.Add($"{section}:CertificateFile: is required when {section}:AuthorityFile is set.");
            if (!hasAuthority) failures.Add($"{section}:AuthorityFile: is required when {section}:CertificateFile is set.");
            if (hasCertificate && hasAuthority)
            {
                // Loaded once here so a bad file fails the start naming it; the replicator loads its own copy.
                var loaded = ReplicatorTls.TryLoad(o, section, out var problem);
                if (loaded is null) failures.Add(problem!);
                else
                {
                    loaded.Certificate.Dispose();
                    loaded.Authority.Dispose();
                }
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHostAndPort(string? address)
    {
        if (string.IsNullOrWhiteSpace(address)) return false;
        int colon = address.LastIndexOf(':');
        return colon > 0 && colon < address.Length - 1 &&
               int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 1 and <= 65535;
    }
}
