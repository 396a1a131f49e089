using System.Diagnostics;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

/// <summary>
/// End to end, through real builds: the documented update command
/// (<c>dotnet run --project tools/ZamSync.ManifestTool -- Contracts.csproj</c>) writes the manifest of a small contracts
/// project in a temp directory; a member type change then fails the build with ZS5005, and removing a member and
/// updating retires its slot.
/// </summary>
public class ManifestToolEndToEndTests
{
    private const string Contract = """
        using ZamSync;
        namespace Demo;
        [ZamEvent(1)] public partial class Order { [ZamMember(0)] public int Number { get; set; } [ZamMember(1)] public string? Note { get; set; } }
        """;

    [Fact]
    public void The_update_command_writes_the_manifest_and_the_build_then_guards_it()
    {
        string directory = Directory.CreateTempSubdirectory("zamsync-manifest-").FullName;
        try
        {
            string project = Path.Combine(directory, "Contracts.csproj");
            File.WriteAllText(project, ContractsProject());
            string source = Path.Combine(directory, "Contracts.cs");
            File.WriteAllText(source, Contract);
            string manifest = Path.Combine(directory, "zamsync.contract.txt");

            var update = RunTool(project);
            Assert.True(update.Exit == 0, update.Output);
            Assert.Equal("""
                # ZamSync contract manifest: what has shipped. Checked by the ZamSync analyzer (ZS5xxx).
                # Update with: dotnet build -p:ZamSyncUpdateManifest=true (see the ZamSync docs, contracts.md)
                zamsync-manifest 1
                event 1 Demo.Order
                  slot 0 Number: int
                  slot 1 Note: string

                """.Replace("\r\n", "\n"), File.ReadAllText(manifest));

            var clean = Run("dotnet", "build", project, "-nologo");
            Assert.True(clean.Exit == 0, clean.Output);
            Assert.DoesNotContain("ZS5", clean.Output);

            // A slot's type changes: the build fails, and the update refuses to accept it.
            File.WriteAllText(source, Contract.Replace("public int Number", "public long Number"));
            var broken = Run("dotnet", "build", project, "-nologo");
            Assert.NotEqual(0, broken.Exit);
            Assert.Contains("error ZS5005", broken.Output);
            Assert.Contains("Member 'Number' of 'Demo.Order' in slot 0 has type 'long', but the contract manifest records 'int'", broken.Output);
            var refused = RunTool(project);
            Assert.Equal(1, refused.Exit);
            Assert.Contains("event 1 Demo.Order\n  slot 0 Number: int\n", File.ReadAllText(manifest));

            // A member is removed: the build fails (ZS5004) until the update retires its slot.
            File.WriteAllText(source, Contract.Replace("[ZamMember(1)] public string? Note { get; set; } ", ""));
            var removed = Run("dotnet", "build", project, "-nologo");
            Assert.Contains("error ZS5004", removed.Output);
            var retire = RunTool(project);
            Assert.True(retire.Exit == 0, retire.Output);
            Assert.EndsWith("event 1 Demo.Order\n  slot 0 Number: int\n  retired-slot 1 Note: string\n", File.ReadAllText(manifest));
            var after = Run("dotnet", "build", project, "-nologo");
            Assert.True(after.Exit == 0, after.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A consumer of the built generator and runtime (the assemblies beside the tests), importing the props the package ships.</summary>
    private static string ContractsProject()
    {
        string here = AppContext.BaseDirectory;
        return $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{Path.Combine(Repository.Root, "src", "ZamSync.Runtime", "build", "ZamSync.Runtime.props")}" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="{Path.Combine(here, "ZamSync.Runtime.dll")}" />
                <Analyzer Include="{Path.Combine(here, "ZamSync.Generators.dll")}" />
                <PackageReference Include="MemoryPack.Core" Version="1.21.4" />
              </ItemGroup>
            </Project>
            """;
    }

    private static (int Exit, string Output) RunTool(string project) =>
        Run("dotnet", "run", "--project", Path.Combine(Repository.Root, "tools", "ZamSync.ManifestTool"), "--", project);

    internal static (int Exit, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        // The test host's MSBuild settings must not leak into the child builds.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
