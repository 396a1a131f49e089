using System.Globalization;
using System.Security.Claims;
using ZamSync.Net.Tls;
using ZamSync.Sync;

namespace ZamSync.AspNetCore.Authentication;

/// <summary>
/// Who is asking, as proven by a client certificate or a bearer token: a role and, for a node or hub, its node id.
/// Coordinators and hubs read every origin; a node under <see cref="AccessPolicy.OwnOnly"/> reads only its own.
/// </summary>
/// <param name="Role">What the credential lets its holder be.</param>
/// <param name="Node">The node it names (empty for a coordinator token).</param>
/// <param name="Via">How it was proven: <c>certificate</c> or <c>token</c>.</param>
public sealed record ZamCredential(NodeRole Role, NodeId Node, string Via)
{
    internal const string RoleClaim = "zamsync:role", NodeClaim = "zamsync:node", ViaClaim = "zamsync:via";

    /// <summary>True when this credential may read the events of <paramref name="origin"/> under <paramref name="policy"/>.</summary>
    public bool CanRead(NodeId origin, AccessPolicy policy) =>
        Role != NodeRole.Node || policy == AccessPolicy.All || origin == Node;

    /// <summary>True when every origin is visible (no filtering needed).</summary>
    public bool ReadsAll(AccessPolicy policy) => Role != NodeRole.Node || policy == AccessPolicy.All;

    /// <summary>The part of <paramref name="vector"/> this credential may see.</summary>
    public VersionVector Visible(VersionVector vector, AccessPolicy policy) =>
        ReadsAll(policy) ? vector.Clone() : new VersionVector(vector.Where(e => CanRead(e.Key, policy)));

    internal ClaimsPrincipal ToPrincipal(string scheme)
    {
        var claims = new List<Claim>
        {
            new(RoleClaim, Role.ToString().ToLowerInvariant()),
            new(ClaimTypes.Role, Role.ToString().ToLowerInvariant()),
            new(ViaClaim, Via),
        };
        if (!Node.IsEmpty)
        {
            claims.Add(new(NodeClaim, Node.ToString()));
            claims.Add(new(ClaimTypes.NameIdentifier, Node.ToString()));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.NameIdentifier, ClaimTypes.Role));
    }

    /// <summary>The credential an authenticated request carries, or null if it was not authenticated by ZamSync.</summary>
    public static ZamCredential? From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.FindFirst(RoleClaim)?.Value is not { } role || user.FindFirst(ViaClaim)?.Value is not { } via) return null;
        var node = user.FindFirst(NodeClaim)?.Value is { } id ? NodeId.Parse(id, CultureInfo.InvariantCulture) : default;
        return Enum.TryParse<NodeRole>(role, ignoreCase: true, out var parsed) ? new ZamCredential(parsed, node, via) : null;
    }
}
