using System.Text.Json.Nodes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ZamSync.AspNetCore.Health;

/// <summary><c>/ready</c>'s body: the overall status and each check's status and description.</summary>
internal static class HealthReportJson
{
    public static Task WriteAsync(HttpContext http, HealthReport report)
    {
        var checks = new JsonObject();
        foreach (var (name, entry) in report.Entries)
            checks[name] = new JsonObject
            {
                ["status"] = entry.Status.ToString(),
                ["description"] = entry.Description,
                ["error"] = entry.Exception?.Message,
            };
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(new JsonObject { ["status"] = report.Status.ToString(), ["checks"] = checks }.ToJsonString(), http.RequestAborted);
    }
}
