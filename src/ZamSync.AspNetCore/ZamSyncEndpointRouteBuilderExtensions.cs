using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ZamSync.AspNetCore;
using ZamSync.AspNetCore.Dashboard;
using ZamSync.AspNetCore.Events;
using ZamSync.AspNetCore.Health;
using ZamSync.AspNetCore.Status;
using ZamSync.AspNetCore.Sync;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the ZamSync HTTP API (docs/http-api.md).</summary>
public static class ZamSyncEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>/health</c> (anonymous: is the engine open), <c>/ready</c>, <c>/api/status</c>, <c>/api/peers</c>,
    /// <c>/api/events</c>, <c>/api/events/stream</c>, <c>/api/quarantine</c>, <c>/api/traffic</c> and <c>/metrics</c>, all but <c>/health</c>
    /// behind the <c>ZamSync</c> policy. Needs <c>services.AddZamSyncApi(...)</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapZamSync(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<ZamSyncApiOptions>() is null)
            throw new InvalidOperationException("MapZamSync needs services.AddZamSyncApi(...) first.");
        const string policy = ZamSyncApiServiceCollectionExtensions.PolicyName;

        // Anonymous, so it says only whether the engine is open: a load balancer needs no more, an attacker gets no more.
        endpoints.MapHealthChecks("/health", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ZamSyncApiServiceCollectionExtensions.LiveTag) })
            .AllowAnonymous();
        endpoints.MapHealthChecks("/ready", new HealthCheckOptions { ResponseWriter = HealthReportJson.WriteAsync })
            .RequireAuthorization(policy);

        var api = endpoints.MapGroup("/api").RequireAuthorization(policy);
        api.MapGet("/status", StatusEndpoints.Status);
        api.MapGet("/peers", StatusEndpoints.Peers);
        api.MapGet("/quarantine", StatusEndpoints.Quarantine);
        api.MapGet("/events", EventEndpoints.Page);
        api.MapGet("/events/stream", EventEndpoints.Stream);
        api.MapGet("/traffic", TrafficEndpoints.Traffic);

        endpoints.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(policy);
        return endpoints;
    }

    /// <summary>
    /// Maps the dashboard at <c>/dashboard/</c>: the page for a caller with a credential (a bearer token, a client
    /// certificate, or the cookie its sign-in form sets), a 401 with the sign-in form for one without, and
    /// <c>POST /dashboard/sign-in</c> / <c>sign-out</c>. The page reads the API that <see cref="MapZamSync"/> maps.
    /// </summary>
    public static IEndpointRouteBuilder MapZamSyncDashboard(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<ZamSyncApiOptions>() is null)
            throw new InvalidOperationException("MapZamSyncDashboard needs services.AddZamSyncApi(...) first.");
        const string policy = ZamSyncApiServiceCollectionExtensions.PolicyName;
        // The page decides itself: the dashboard with a credential, the sign-in form (as a 401) without. (Routing
        // matches /dashboard here too; the page sends that on to /dashboard/, where its relative links resolve.)
        endpoints.MapGet("/dashboard/", DashboardEndpoints.Index).AllowAnonymous();
        endpoints.MapPost("/dashboard/sign-in", DashboardEndpoints.SignInPost).AllowAnonymous().DisableAntiforgery();
        endpoints.MapPost("/dashboard/sign-out", DashboardEndpoints.SignOut).RequireAuthorization(policy).DisableAntiforgery();
        endpoints.MapGet("/dashboard/{file}", DashboardEndpoints.File).RequireAuthorization(policy);
        return endpoints;
    }

    /// <summary>
    /// Maps a sync endpoint at <paramref name="pattern"/> (<c>wss://host/sync</c>) for nodes that can reach the hub
    /// only over HTTP(S): each WebSocket carries one sync session with the host's <c>ZamHub</c> (its access policy,
    /// limits and peer table), from the node the caller's credential proves. Behind the <c>ZamSync</c> policy; the host
    /// needs <c>app.UseWebSockets()</c> and <c>services.AddZamSyncHub(...)</c>. Clients: <c>WebSocketTransport.ConnectAsync</c>.
    /// </summary>
    public static IEndpointConventionBuilder MapZamSyncWebSocket(this IEndpointRouteBuilder endpoints, string pattern = "/sync")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        if (endpoints.ServiceProvider.GetService<ZamSyncApiOptions>() is null)
            throw new InvalidOperationException("MapZamSyncWebSocket needs services.AddZamSyncApi(...) first (it authenticates the node).");
        return endpoints.Map(pattern, WebSocketSyncEndpoint.Serve).RequireAuthorization(ZamSyncApiServiceCollectionExtensions.PolicyName);
    }
}
