using Microsoft.Extensions.DependencyInjection;
using ZamSync.AspNetCore.Problems;
using ZamSync.Net.Hub;
using ZamSync.Net.Tls;

namespace ZamSync.AspNetCore.Sync;

/// <summary>
/// A sync session over a WebSocket (<c>MapZamSyncWebSocket</c>): the caller is proven by the ZamSync policy (a
/// client certificate, or a token bound to a node id), and the hub serves a session from exactly that node, so a
/// node cannot claim another node's id over WebSocket either. A coordinator reads the API but does not sync.
/// </summary>
internal static class WebSocketSyncEndpoint
{
    public static async Task Serve(HttpContext http)
    {
        var credential = ZamSyncApiContext.Credential(http);
        if (credential.Role == NodeRole.Coordinator || credential.Node.IsEmpty)
        {
            await Problem(http, StatusCodes.Status403Forbidden, "Not a syncing node",
                "this credential reads the API but names no node to sync as; use a node's certificate or a token bound to its id").ConfigureAwait(false);
            return;
        }
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await Problem(http, StatusCodes.Status400BadRequest, "Bad request",
                "this endpoint carries sync sessions over a WebSocket: send an upgrade request (and the host must call app.UseWebSockets())").ConfigureAwait(false);
            return;
        }
        if (http.RequestServices.GetService<ZamHub>() is not { } hub)
        {
            await ApiProblems.NotOpen("no ZamSync hub is registered in this host (AddZamSyncHub)").ExecuteAsync(http).ConfigureAwait(false);
            return;
        }
        var socket = await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        // The hub owns the transport from here: it records the session in its peer table, as a TCP one.
        await hub.ServeWebSocketAsync(socket, credential.Node, http.RequestAborted).ConfigureAwait(false);
    }

    private static Task Problem(HttpContext http, int status, string title, string detail) =>
        Results.Problem(title: title, detail: detail, statusCode: status).ExecuteAsync(http);
}
