using System.Reflection;

namespace ZamSync.Tests.Support;

/// <summary>
/// The child executables tests kill (ZamSync.CrashChild, ZamSync.PgHubChild): where the build put each one, as the
/// test project recorded it in an <see cref="AssemblyMetadataAttribute"/>, and the dotnet host to run it with.
/// </summary>
public static class ChildAssemblies
{
    /// <summary>The entry assembly recorded under <paramref name="key"/> by <paramref name="recordedIn"/>'s project target <paramref name="target"/>.</summary>
    public static string Locate(Assembly recordedIn, string key, string target)
    {
        var recorded = recordedIn.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;
        if (string.IsNullOrEmpty(recorded))
            throw new InvalidOperationException($"The test assembly does not record where {key} was built (target {target} in {recordedIn.GetName().Name}.csproj).");
        if (!File.Exists(recorded))
            throw new FileNotFoundException($"{key} was built to '{recorded}', but it is not there now. Rebuild the test project.", recorded);
        return recorded;
    }

    /// <summary>The dotnet host that runs this test process (set by the SDK), else the one on PATH.</summary>
    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }
}
