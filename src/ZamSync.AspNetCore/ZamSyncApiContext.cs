using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using ZamSync.AspNetCore.Authentication;
using ZamSync.AspNetCore.Problems;

namespace ZamSync.AspNetCore;

/// <summary>
/// What every endpoint needs from a request: the one running engine (resolved from the container, never opened here)
/// and the caller's credential.
/// </summary>
internal static class ZamSyncApiContext
{
    /// <summary>
    /// The engine the host runs, or a 503 while it is not open: a hosted node's engine exists only between the node
    /// service's start and stop, and the container resolves it only then.
    /// </summary>
    public static bool TryGetEngine(HttpContext http, [NotNullWhen(true)] out ZamEngine? engine, [NotNullWhen(false)] out IResult? problem)
    {
        problem = null;
        try
        {
            engine = http.RequestServices.GetService<ZamEngine>();
        }
        catch (InvalidOperationException ex)
        {
            engine = null;
            problem = ApiProblems.NotOpen(ex.Message);
            return false;
        }
        if (engine is null)
        {
            problem = ApiProblems.NotOpen("no ZamSync engine is registered in this host (AddZamSyncNode, or an engine registered as a singleton)");
            return false;
        }
        return true;
    }

    /// <summary>The authenticated caller (the endpoints require the ZamSync policy, so there always is one).</summary>
    public static ZamCredential Credential(HttpContext http) =>
        ZamCredential.From(http.User) ?? throw new InvalidOperationException("The endpoint ran without a ZamSync credential; it must require the ZamSync policy.");
}
