using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ZamSync.Tests.Shared;

namespace Clinic.Tests;

/// <summary>
/// `dotnet new zamsync-clinic` as a user would run it (README.md, "Start your own app"): the libraries packed to a
/// local folder, the template installed from this repository, an app created, built against that folder only, its
/// hub issuing the certificates and its node syncing over mutual TLS without re-recording on a restart, then an event
/// added to the contract and accepted with the manifest switch.
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
            foreach (var project in new[] { "ZamSync.Runtime", "ZamSync.Net", "ZamSync.Hosting" })
                await RunAsync(repo, "dotnet", "pack", Path.Combine(repo, "src", project), "-c", "TemplateTest", "--no-restore", "-nologo", "-o", feed, "-p:Version=" + version);

            // The template package from templates/, installed into a private template cache.
            await RunAsync(repo, "dotnet", "pack", Path.Combine(repo, "templates", "ZamSync.Templates.csproj"), "-c", "TemplateTest", "-nologo", "-o", feed, "-p:Version=" + version);
            string hive = Path.Combine(root, "hive");
            await RunAsync(root, "dotnet", "new", "install", Path.Combine(feed, $"ZamSync.Templates.{version}.nupkg"), "--debug:custom-hive", hive);
            // No --ZamSyncVersion: the template's default is the version it was packed with (one version source).
            await RunAsync(root, "dotnet", "new", "zamsync-clinic", "-n", "Khaling", "-o", Path.Combine(root, "app"), "--debug:custom-hive", hive);

            string app = Path.Combine(root, "app");
            Assert.True(File.Exists(Path.Combine(app, "Khaling.Contracts", "zamsync.contract.txt")), "the contracts project comes with its manifest");
            WriteNuGetConfig(app, feed, Path.Combine(root, "packages"));
            var build = await RunAsync(app, "dotnet", "build", Path.Combine(app, "Khaling.Node"), "-nologo");
            Assert.Contains("0 Warning(s)", build);
            await RunAsync(app, "dotnet", "build", Path.Combine(app, "Khaling.Hub"), "-nologo");

            // As the README runs them, from the app's folder (the node finds the certificates the hub issued there);
            // only the port is this test's own.
            int port = FreePort();
            string hubAddress = $"127.0.0.1:{port}";
            using var hub = Start(app, "dotnet", "run", "--no-build", "--project", Path.Combine(app, "Khaling.Hub"), "--", $"--ZamSync:Hub:Listen={hubAddress}");
            using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                // The hub creates the deployment's certificates, then says when it listens; only then start the node.
                string started = await ReadUntilAsync(hub, "listening", patience.Token);
                Assert.Contains("created the deployment CA", started);
                Assert.Contains("issued node 1's certificate", started);
                Assert.Contains("(mutual TLS)", started);
                Assert.True(File.Exists(Path.Combine(app, "tls", "node-1.pfx")));

                string[] node = ["run", "--no-build", "--project", Path.Combine(app, "Khaling.Node"), "--", "--once", $"--ZamSync:Replicator:Peers:0:Address={hubAddress}"];
                var first = await RunAsync(app, "dotnet", node);
                Assert.Contains("node 1 recorded 2 sample events", first);
                Assert.Contains("synced with hub 1000: sent 2 events", first);
                await ReadUntilAsync(hub, "hub holds 1 patients", patience.Token);

                // A restart records nothing again: the node's log already holds its sample events.
                var second = await RunAsync(app, "dotnet", node);
                Assert.DoesNotContain("sample events", second);
                Assert.Contains("synced with hub 1000: sent 0 events", second);
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

    /// <summary>The process's output up to and including the first line containing <paramref name="text"/>.</summary>
    private static async Task<string> ReadUntilAsync(Process process, string text, CancellationToken cancellationToken)
    {
        var seen = new System.Text.StringBuilder();
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            seen.AppendLine(line);
            if (line.Contains(text, StringComparison.Ordinal)) return seen.ToString();
        }
        Assert.Fail($"the process ended without printing '{text}':\n{seen}{await process.StandardError.ReadToEndAsync(cancellationToken)}");
        return "";
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
