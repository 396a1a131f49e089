using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ZamSync.Tests.Shared;

namespace Clinic.Tests;

/// <summary>
/// `dotnet new zamsync-clinic` as a user would run it: the libraries packed to a local folder, the template
/// installed from this repository, an app created, built against that folder only, and its hub and node syncing.
/// </summary>
[Trait("Category", "Template")]
public class TemplateTests
{
    [Fact]
    public async Task Template_zamsync_clinic_creates_an_app_whose_hub_and_node_build_and_sync()
    {
        string root = Directory.CreateTempSubdirectory("zamsync-template-").FullName;
        try
        {
            string repo = RepositoryRoot();
            string feed = Path.Combine(root, "feed");
            const string version = "0.1.0-template-test";
            // A configuration of its own keeps these builds out of the way of the solution's Debug/Release outputs.
            foreach (var project in new[] { "ZamSync.Runtime", "ZamSync.Net" })
                await RunAsync(repo, "dotnet", "pack", Path.Combine(repo, "src", project), "-c", "TemplateTest", "--no-restore", "-nologo", "-o", feed, "-p:Version=" + version);

            // The template package from templates/, installed into a private template cache.
            await RunAsync(repo, "dotnet", "pack", Path.Combine(repo, "templates", "ZamSync.Templates.csproj"), "-c", "TemplateTest", "-nologo", "-o", feed, "-p:Version=" + version);
            string hive = Path.Combine(root, "hive");
            await RunAsync(root, "dotnet", "new", "install", Path.Combine(feed, $"ZamSync.Templates.{version}.nupkg"), "--debug:custom-hive", hive);
            await RunAsync(root, "dotnet", "new", "zamsync-clinic", "-n", "Khaling", "-o", Path.Combine(root, "app"), "--ZamSyncVersion", version, "--debug:custom-hive", hive);

            string app = Path.Combine(root, "app");
            Assert.True(File.Exists(Path.Combine(app, "Khaling.Contracts", "zamsync.contract.txt")), "the contracts project comes with its manifest");
            WriteNuGetConfig(app, feed, Path.Combine(root, "packages"));
            var build = await RunAsync(app, "dotnet", "build", Path.Combine(app, "Khaling.Node"), "-nologo");
            Assert.Contains("0 Warning(s)", build);
            await RunAsync(app, "dotnet", "build", Path.Combine(app, "Khaling.Hub"), "-nologo");

            int port = FreePort();
            using var hub = Start(Path.Combine(app, "hub-run"), "dotnet", "run", "--no-build", "--project", Path.Combine(app, "Khaling.Hub"), "--", $"127.0.0.1:{port}", "1");
            try
            {
                // The hub says when it listens; only then start the node.
                string? line;
                while ((line = await hub.StandardOutput.ReadLineAsync()) is not null && !line.Contains("listening")) { }
                Assert.NotNull(line);
                var node = await RunAsync(Path.Combine(app, "node-run"), "dotnet", "run", "--no-build", "--project", Path.Combine(app, "Khaling.Node"), "--", $"127.0.0.1:{port}");
                Assert.Contains("synced: sent 2 events", node);
                string rest = await hub.StandardOutput.ReadToEndAsync();
                await hub.WaitForExitAsync();
                Assert.Equal(0, hub.ExitCode);
                Assert.Contains("hub holds 1 patients", rest);
            }
            finally
            {
                if (!hub.HasExited) hub.Kill(entireProcessTree: true);
            }

            await AddingAnEventIsAcceptedWithTheManifestSwitch(app);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// A package user adds an event: the build fails with ZS5008, whose message names the switch; the build with the
    /// switch writes the manifest (the package's targets run its manifest writer); the next plain build passes.
    /// </summary>
    private static async Task AddingAnEventIsAcceptedWithTheManifestSwitch(string app)
    {
        string contracts = Path.Combine(app, "Khaling.Contracts");
        string manifest = Path.Combine(contracts, "zamsync.contract.txt");
        File.WriteAllText(Path.Combine(contracts, "PatientDischarged.cs"), """
            using ZamSync;
            namespace Khaling.Contracts;
            [ZamEvent(3)]
            public partial record PatientDischarged([property: ZamMember(0)] string PatientId);
            """);

        var refused = await RunAllowingFailureAsync(app, "dotnet", "build", contracts, "-nologo");
        Assert.NotEqual(0, refused.Exit);
        Assert.Contains("error ZS5008", refused.Output);
        Assert.Contains("Event 'Khaling.Contracts.PatientDischarged' (id 3) is not recorded in the contract manifest; run 'dotnet build -p:ZamSyncUpdateManifest=true'", refused.Output);
        Assert.DoesNotContain("PatientDischarged", File.ReadAllText(manifest));

        await RunAsync(app, "dotnet", "build", contracts, "-nologo", "-p:ZamSyncUpdateManifest=true");
        Assert.Contains("event 3 Khaling.Contracts.PatientDischarged\n  slot 0 PatientId: string\n", File.ReadAllText(manifest).Replace("\r\n", "\n"));

        // The whole app, without the switch: the recorded event no longer warns, and the hosts build on it.
        var accepted = await RunAsync(app, "dotnet", "build", Path.Combine(app, "Khaling.Node"), "-nologo");
        Assert.Contains("0 Warning(s)", accepted);
    }

    private static void WriteNuGetConfig(string directory, string feed, string packages)
    {
        LocalPackageFeed.WriteNuGetConfig(directory, feed, packages);
        // Reuse what this machine already downloaded, so the test needs no network beyond the package feed.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), $"""
            <Project>
              <PropertyGroup><RestoreAdditionalProjectFallbackFolders>{LocalPackageFeed.MachinePackages}</RestoreAdditionalProjectFallbackFolders></PropertyGroup>
            </Project>
            """);
    }

    private static Process Start(string workingDirectory, string file, params string[] args)
    {
        Directory.CreateDirectory(workingDirectory);
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        return Process.Start(info)!;
    }

    private static async Task<string> RunAsync(string workingDirectory, string file, params string[] args)
    {
        var (exit, output) = await RunAllowingFailureAsync(workingDirectory, file, args);
        Assert.True(exit == 0, $"{file} {string.Join(' ', args)} failed ({exit}):\n{output}");
        return output;
    }

    private static async Task<(int Exit, string Output)> RunAllowingFailureAsync(string workingDirectory, string file, params string[] args)
    {
        using var process = Start(workingDirectory, file, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}
