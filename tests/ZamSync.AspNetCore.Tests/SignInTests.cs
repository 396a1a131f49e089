using System.Net;
using System.Text.Json;
using ZamSync.AspNetCore.Tests.Support;

namespace ZamSync.AspNetCore.Tests;

/// <summary>
/// How a browser reaches the dashboard: without a credential every dashboard URL is a 401 (the page's being the
/// sign-in form); signing in with a token from the token file sets an HttpOnly, SameSite=Strict cookie that the API
/// then accepts like the bearer token itself.
/// </summary>
public sealed class SignInTests
{
    private static (HttpClient Client, CookieContainer Cookies) Browser(Uri address)
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = address };
        return (client, cookies);
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string token, string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/dashboard/sign-in") { Content = new FormUrlEncodedContent([new("token", token)]) };
        if (origin is not null) request.Headers.Add("Origin", origin);
        return client.SendAsync(request);
    }

    [Fact]
    public async Task Without_a_credential_the_page_is_the_sign_in_form_and_nothing_else_is_served()
    {
        await using var d = await HubDeployment.StartAsync();
        var (client, _) = Browser(d.Address);
        using var _c = client;

        using var page = await client.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<form method=\"post\" action=\"sign-in\">", html);
        Assert.DoesNotContain("dashboard.js", html);
        Assert.Contains("style-src 'sha256-", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());

        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/dashboard")).StatusCode);
        foreach (var path in new[] { "/dashboard/dashboard.js", "/dashboard/dashboard.css", "/dashboard/index.html", "/api/traffic" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Signing_in_with_a_token_sets_a_strict_http_only_cookie_the_api_and_stream_accept()
    {
        await using var d = await HubDeployment.StartAsync();
        var (client, cookies) = Browser(d.Address);
        using var _c = client;

        using (var wrong = await SignInAsync(client, "not-a-token-in-the-file-0123"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("That token is not in this hub&#39;s token file.", await wrong.Content.ReadAsStringAsync());
            Assert.Empty(cookies.GetAllCookies());
        }
        using (var elsewhere = await SignInAsync(client, HubDeployment.CoordinatorToken, origin: "http://attacker.example"))
            Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);

        using (var signedIn = await SignInAsync(client, HubDeployment.CoordinatorToken, origin: d.Address.GetLeftPart(UriPartial.Authority)))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
            Assert.Equal("./", signedIn.Headers.Location?.OriginalString);
            string setCookie = signedIn.Headers.GetValues("Set-Cookie").Single();
            Assert.StartsWith("zamsync-token=", setCookie);
            Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("path=/", setCookie, StringComparison.OrdinalIgnoreCase);
        }

        using (var page = await client.GetAsync("/dashboard/"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<script src=\"dashboard.js\" defer></script>", await page.Content.ReadAsStringAsync());
            Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        }
        using (var script = await client.GetAsync("/dashboard/dashboard.js"))
        {
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
            var etag = script.Headers.ETag!;
            using var again = new HttpRequestMessage(HttpMethod.Get, "/dashboard/dashboard.js");
            again.Headers.IfNoneMatch.Add(etag);
            Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/dashboard/missing.js")).StatusCode);
        var status = JsonDocument.Parse(await client.GetStringAsync("/api/status")).RootElement;
        Assert.Equal("coordinator", status.GetProperty("caller").GetProperty("role").GetString());
        using (var stream = await client.GetAsync("/api/events/stream", HttpCompletionOption.ResponseHeadersRead))
            Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);

        using (var signedOut = await client.PostAsync("/dashboard/sign-out", null))
            Assert.Equal(HttpStatusCode.SeeOther, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/status")).StatusCode);
    }

    [Fact]
    public async Task A_cookie_whose_token_is_not_in_the_file_is_refused_and_the_page_says_to_sign_in_again()
    {
        await using var d = await HubDeployment.StartAsync();
        var (client, cookies) = Browser(d.Address);
        using var _c = client;
        cookies.Add(d.Address, new Cookie("zamsync-token", "revoked-token-0123456789abcdef"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/status")).StatusCode);
        using var page = await client.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        Assert.Contains("Sign in again", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_bearer_token_opens_the_page_without_the_form()
    {
        await using var d = await HubDeployment.StartAsync();
        using var client = d.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/dashboard/")).StatusCode);
    }
}
