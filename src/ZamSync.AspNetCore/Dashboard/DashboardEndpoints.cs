using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Net.Http.Headers;
using ZamSync.AspNetCore.Authentication;

namespace ZamSync.AspNetCore.Dashboard;

/// <summary>
/// The dashboard (docs/http-api.md#the-dashboard): its page and files for an authenticated caller, and a sign-in form
/// that trades a bearer token for the cookie a browser then sends with every request, the event stream included.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>Larger sign-in bodies are refused before they are read: a token line is short.</summary>
    public const int MaxSignInBytes = 4096;

    // The page loads only its own script and stylesheet and talks only to its own origin; it cannot be framed.
    private const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
                                  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>The page: for a caller with a credential, the dashboard; for one without, a 401 whose body is the sign-in form.</summary>
    public static async Task<IResult> Index(HttpContext http, DashboardAssets assets)
    {
        if (http.Request.Path.Value?.EndsWith('/') != true) return Results.Redirect(http.Request.PathBase + http.Request.Path + "/");
        var result = await http.AuthenticateAsync(ZamSyncAuthenticationHandler.SchemeName);
        if (!result.Succeeded) return SignIn(http, assets, result.Failure is null ? null : "Sign in again: " + result.Failure.Message + ".");
        return Asset(http, assets.Get(DashboardAssets.IndexPage), Policy);
    }

    /// <summary>One of the dashboard's files (the route requires the ZamSync policy).</summary>
    public static IResult File(HttpContext http, DashboardAssets assets, string file)
    {
        if (file is DashboardAssets.IndexPage or DashboardAssets.SignInPage || !assets.TryGet(file, out var asset)) return Results.NotFound();
        return Asset(http, asset, Policy);
    }

    /// <summary>
    /// <c>POST sign-in</c> with a form field <c>token</c>: a token from the API's token file sets the cookie and goes to
    /// the page (303); any other is a 401 with the form again. Refused from another origin (403).
    /// </summary>
    public static async Task<IResult> SignInPost(HttpContext http, DashboardAssets assets, ZamSyncCredentials credentials)
    {
        if (!SameOrigin(http.Request)) return Results.StatusCode(StatusCodes.Status403Forbidden);
        if (!http.Request.HasFormContentType) return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        if (http.Request.ContentLength is null or > MaxSignInBytes) return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        string token = form["token"].ToString().Trim();
        if (token.Length == 0 || credentials.Tokens?.Find(token) is null)
            return SignIn(http, assets, "That token is not in this hub's token file.");
        http.Response.Cookies.Append(DashboardCookie.Name, Uri.EscapeDataString(token), DashboardCookie.Options(http.Request));
        return SeeOther("./");
    }

    /// <summary><c>POST sign-out</c>: forgets the cookie.</summary>
    public static IResult SignOut(HttpContext http)
    {
        if (!SameOrigin(http.Request)) return Results.StatusCode(StatusCodes.Status403Forbidden);
        http.Response.Cookies.Delete(DashboardCookie.Name, DashboardCookie.Options(http.Request));
        return SeeOther("./");
    }

    private static IResult SeeOther(string location) => new SeeOtherResult(location);

    private static IResult SignIn(HttpContext http, DashboardAssets assets, string? message)
    {
        var page = System.Text.Encoding.UTF8.GetString(assets.Get(DashboardAssets.SignInPage).Bytes)
            .Replace("<!--message-->", message is null ? "" : $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(message)}</p>", StringComparison.Ordinal);
        Headers(http, $"default-src 'none'; style-src {assets.SignInStyleHash}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
        http.Response.Headers.Append(HeaderNames.WWWAuthenticate, "Bearer realm=\"zamsync\"");
        return Results.Text(page, "text/html; charset=utf-8", System.Text.Encoding.UTF8, StatusCodes.Status401Unauthorized);
    }

    private static IResult Asset(HttpContext http, DashboardAssets.Asset asset, string policy)
    {
        Headers(http, policy);
        http.Response.Headers.ETag = asset.ETag;
        if (http.Request.Headers.IfNoneMatch == asset.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Bytes, asset.ContentType);
    }

    private static void Headers(HttpContext http, string policy)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // Not no-referrer: under it a browser sends "Origin: null" on the sign-in post, which SameOrigin must refuse.
        headers["Referrer-Policy"] = "same-origin";
        // Revalidate every time (cheap with the ETag): a hub upgrade must not leave an old script running.
        headers.CacheControl = "no-cache";
    }

    /// <summary>A form post must come from this origin's own page (browsers send Origin on every POST).</summary>
    private static bool SameOrigin(HttpRequest request)
    {
        string? origin = request.Headers.Origin;
        if (string.IsNullOrEmpty(origin)) return true; // not a browser, or a very old one: SameSite still guards the cookie
        return string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>303 See Other: after a POST the browser loads the page with a GET.</summary>
    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
