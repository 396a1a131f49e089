namespace ZamSync.Tests.Shared;

/// <summary>
/// Makes a directory restore ZamSync.* packages from a local folder feed only (everything else from the usual
/// source, falling back to what this machine already downloaded), with a package cache of its own so an older
/// ZamSync package from an earlier run can never be picked up. Used by the packaging and template tests.
/// </summary>
internal static class LocalPackageFeed
{
    public static string MachinePackages =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public static void WriteNuGetConfig(string directory, string feed, string packages) =>
        File.WriteAllText(Path.Combine(directory, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{packages}" /></config>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local"><package pattern="ZamSync.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
}
