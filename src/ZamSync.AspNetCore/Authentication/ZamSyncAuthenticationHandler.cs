using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ZamSync.Net.Tls;

namespace ZamSync.AspNetCore.Authentication;

/// <summary>
/// Authenticates a request by its bearer token (<c>Authorization: Bearer …</c>, looked up in the token file), the same
/// token in the dashboard's cookie, or, without either, by the client certificate of its TLS connection (checked against the deployment CA as the sync transport
/// checks it). A request with neither is anonymous and gets 401 wherever a credential is needed.
/// </summary>
internal sealed class ZamSyncAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ZamSyncApiOptions api, ZamSyncCredentials credentials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ZamSync";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (!string.IsNullOrEmpty(header))
        {
            const string bearer = "Bearer ";
            if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
                return Task.FromResult(AuthenticateResult.Fail("only bearer tokens are accepted"));
            var token = header[bearer.Length..].Trim();
            if (credentials.Tokens?.Find(token) is not { } byToken)
                return Task.FromResult(AuthenticateResult.Fail("unknown bearer token"));
            return Task.FromResult(Success(byToken));
        }
        // A browser that signed in to the dashboard sends its token in the cookie (it cannot set the header on a page
        // load or an EventSource). A header, when given, wins.
        if (Request.Cookies[Dashboard.DashboardCookie.Name] is { Length: > 0 } cookie)
        {
            if (credentials.Tokens?.Find(Uri.UnescapeDataString(cookie)) is not { } byCookie)
                return Task.FromResult(AuthenticateResult.Fail("the dashboard's token is no longer in the token file"));
            return Task.FromResult(Success(byCookie));
        }
        if (Context.Connection.ClientCertificate is { } certificate && api.Tls is { } tls)
        {
            // Kestrel already refused a certificate that fails this check (UseZamSyncTls); checking again here names
            // the identity and covers a listener configured some other way.
            var validator = new PeerCertificateValidator(tls);
            if (validator.Validate(certificate, asHub: false, forSync: false) is not { } identity)
                return Task.FromResult(AuthenticateResult.Fail(validator.LastRefusal ?? "client certificate refused"));
            return Task.FromResult(Success(new ZamCredential(identity.Role, identity.Node, "certificate")));
        }
        return Task.FromResult(AuthenticateResult.NoResult());
    }

    private AuthenticateResult Success(ZamCredential credential) =>
        AuthenticateResult.Success(new AuthenticationTicket(credential.ToPrincipal(SchemeName), SchemeName));

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append(HeaderNames.WWWAuthenticate, "Bearer realm=\"zamsync\"");
        return Task.CompletedTask;
    }
}
