using ZamSync.Generators.Tests.Infrastructure;
using ZamSync.Tests.Shared;

namespace ZamSync.Generators.Tests;

/// <summary>
/// PACKAGING (the slow, out-of-process test; filter with <c>--filter Category=Packaging</c>): packs ZamSync.Runtime
/// into a temp folder feed, checks the generator, analyzer and code fixes ride inside under analyzers/dotnet/cs,
/// then builds and runs a consumer project that takes ZamSync.Runtime from that feed only (MemoryPack.Core and
/// System.IO.Hashing come from the machine's usual NuGet, through its global packages folder), declares a
/// [ZamEvent] and a [ZamState], submits an event through ZamEngine and prints the state.
/// </summary>
[Trait("Category", "Packaging")]
public class PackagingTests
{
    private const string Consumer = """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using ZamSync;

        namespace Consumer;

        [ZamEvent(1)]
        public partial record Deposited(string Account, long Amount);

        [ZamState]
        public partial class Ledger
        {
            public Dictionary<string, long> Balances { get; } = new();

            void Apply(Deposited e) => Balances[e.Account] = Balances.GetValueOrDefault(e.Account) + e.Amount;

            public void Reset() => Balances.Clear();
        }

        public static class Program
        {
            public static async Task Main(string[] args)
            {
                await using var engine = await ZamEngine<Ledger>.OpenAsync(args[0], new NodeId(1),
                    new ZamEngineOptions { ContractFingerprint = ZamSync.Generated.ZamContracts.Fingerprint });
                await engine.SubmitAsync(new Deposited("alice", 5));
                await engine.SubmitAsync(new Deposited("alice", 7));
                System.Console.WriteLine($"alice={engine.Read(s => s.Balances["alice"])} ids={string.Join(",", ZamSync.Generated.ZamContracts.EventTypeIds.ToArray())}");
            }
        }
        """;

    [Fact]
    public void Packaging_the_runtime_package_carries_the_generator_and_a_consumer_builds_and_runs()
    {
        string root = Directory.CreateTempSubdirectory("zamsync-packaging-").FullName;
        try
        {
            string feed = Path.Combine(root, "feed");
            string version = "1.0.0-packaging";
            var pack = ManifestToolEndToEndTests.Run("dotnet", "pack", Path.Combine(Repository.Root, "src", "ZamSync.Runtime"), "-nologo",
                "-o", feed, "-p:Version=" + version);
            Assert.True(pack.Exit == 0, pack.Output);
            string package = Path.Combine(feed, $"ZamSync.Runtime.{version}.nupkg");
            using (var zip = System.IO.Compression.ZipFile.OpenRead(package))
            {
                var entries = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("analyzers/dotnet/cs/ZamSync.Generators.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/ZamSync.Generators.CodeFixes.dll", entries);
                Assert.Contains("lib/net10.0/ZamSync.Runtime.dll", entries);
                Assert.Contains("buildTransitive/ZamSync.Runtime.props", entries);
                Assert.Contains("buildTransitive/ZamSync.Runtime.targets", entries);
                Assert.Contains("tools/manifest/ZamSync.ManifestTool.dll", entries);
                Assert.Contains("tools/manifest/ZamSync.ManifestTool.runtimeconfig.json", entries);
            }

            string consumer = Path.Combine(root, "consumer");
            Directory.CreateDirectory(consumer);
            string machinePackages = LocalPackageFeed.MachinePackages;
            LocalPackageFeed.WriteNuGetConfig(consumer, feed, Path.Combine(root, "packages"));
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <RestoreAdditionalProjectFallbackFolders>{machinePackages}</RestoreAdditionalProjectFallbackFolders>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="ZamSync.Runtime" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), Consumer);

            var build = ManifestToolEndToEndTests.Run("dotnet", "build", consumer, "-nologo");
            Assert.True(build.Exit == 0, build.Output);
            Assert.Contains("0 Warning(s)", build.Output);

            var run = ManifestToolEndToEndTests.Run("dotnet", "run", "--no-build", "--project", consumer, "--", Path.Combine(root, "data"));
            Assert.True(run.Exit == 0, run.Output);
            Assert.Contains("alice=12 ids=1", run.Output);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
