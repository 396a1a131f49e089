namespace ZamSync.AspNetCore.Dashboard;

/// <summary>
/// How a browser carries its credential after signing in: the bearer token it signed in with, in an HttpOnly,
/// SameSite=Strict cookie (Secure on HTTPS). A browser cannot put an <c>Authorization</c> header on a page load or on an
/// <c>EventSource</c>, and a cookie the page's script cannot read keeps the token out of reach of anything injected
/// into it; SameSite=Strict keeps other sites' pages from sending it (the API only reads, and the one form that
/// writes, sign-in, also checks the Origin).
/// </summary>
internal static class DashboardCookie
{
    public const string Name = "zamsync-token";

    public static CookieOptions Options(HttpRequest request) => new()
    {
        HttpOnly = true,
        Secure = request.IsHttps,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        IsEssential = true,
    };
}
