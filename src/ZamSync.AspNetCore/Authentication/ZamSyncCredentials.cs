using Microsoft.Extensions.Hosting;

namespace ZamSync.AspNetCore.Authentication;

/// <summary>
/// The credentials the API accepts, loaded when the host starts: a token file that is unsafe or malformed stops the
/// start with an error that names the file and the fix, instead of the API running with no or leaked tokens.
/// </summary>
internal sealed class ZamSyncCredentials(ZamSyncApiOptions options) : IHostedService
{
    private BearerTokenFile? _tokens;

    /// <summary>The bearer tokens (null when none are configured, or before the host started).</summary>
    public BearerTokenFile? Tokens => Volatile.Read(ref _tokens);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        options.Validate();
        if (options.TokenFile is { } path) Volatile.Write(ref _tokens, BearerTokenFile.Load(path));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
