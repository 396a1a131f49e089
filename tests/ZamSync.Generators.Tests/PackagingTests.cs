using ZamSync.Generators.Tests.Infrastructure;
using ZamSync.Tests.Shared;

namespace ZamSync.Generators.Tests;

/// <summary>
/// PACKAGING (the slow, out-of-process test; filter with <c>--filter Category=Packaging</c>): packs ZamSync.Runtime,
/// ZamSync.Net, ZamSync.Hosting and ZamSync.Testing in one <c>dotnet pack</c> (of a solution filter) into a temp folder feed, warning
/// about nothing; checks that each package carries its licence expression, README, XML documentation, repository
/// address and a symbols package whose PDB links its sources to the repository, and that the runtime's carries the
/// generator, analyzer and code fixes under analyzers/dotnet/cs and its props and targets under build/ and
/// buildTransitive/ (a host that reaches the runtime through a contracts project still gets them); then builds and runs a consumer project that takes ZamSync.Runtime from that feed only (MemoryPack.Core and
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

    /// <summary>
    /// Every package under src/ and the template package has the README.md it ships as its readme, and no project
    /// sets a version of its own (one version for all: VersionPrefix in Directory.Build.props, which the template's
    /// default ZamSyncVersion is stamped with when it packs).
    /// </summary>
    [Fact]
    public void Every_package_has_a_readme_and_takes_the_repository_version()
    {
        var projects = Directory.GetFiles(Path.Combine(Repository.Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Append(Path.Combine(Repository.Root, "templates", "ZamSync.Templates.csproj"))
            .Where(p => !File.ReadAllText(p).Contains("<IsPackable>false</IsPackable>"))
            .ToList();
        Assert.True(projects.Count >= 8, string.Join(", ", projects));
        foreach (string project in projects)
        {
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(project)!, "README.md")), $"{project} has no README.md");
            Assert.DoesNotMatch("<(Version|VersionPrefix|PackageVersion)>", File.ReadAllText(project));
        }
        Assert.Matches("<VersionPrefix>\\d+\\.\\d+\\.\\d+</VersionPrefix>", File.ReadAllText(Path.Combine(Repository.Root, "Directory.Build.props")));
        string template = File.ReadAllText(Path.Combine(Repository.Root, "templates", "content", "zamsync-clinic", ".template.config", "template.json"));
        Assert.Contains("\"defaultValue\": \"ZAMSYNC_PACKAGE_VERSION\"", template);
        Assert.True(File.Exists(Path.Combine(Repository.Root, "LICENSE")));
    }

    [Fact]
    public void Packaging_the_libraries_gives_complete_packages_and_a_consumer_of_the_runtime_builds_and_runs()
    {
        string root = Directory.CreateTempSubdirectory("zamsync-packaging-").FullName;
        try
        {
            string feed = Path.Combine(root, "feed");
            string version = "1.0.0-packaging";
            string[] packed = ["ZamSync.Runtime", "ZamSync.Net", "ZamSync.Hosting", "ZamSync.Testing"];
            string filter = Path.Combine(root, "packages.slnf");
            File.WriteAllText(filter, System.Text.Json.JsonSerializer.Serialize(new
            {
                solution = new { path = Path.Combine(Repository.Root, "ZamSync.sln"), projects = packed.Select(p => Path.Combine("src", p, p + ".csproj")).ToArray() },
            }));
            var pack = ManifestToolEndToEndTests.Run("dotnet", "pack", filter, "-nologo", "-p:PackageOutputPath=" + feed, "-p:Version=" + version);
            Assert.True(pack.Exit == 0, pack.Output);
            // Packing a solution prints no warning summary: look for any warning line (NuGet's, SourceLink's, the compiler's).
            Assert.DoesNotContain(": warning ", pack.Output);

            foreach (string id in packed)
            {
                using var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.nupkg"));
                var entries = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains($"lib/net10.0/{id}.dll", entries);
                Assert.Contains($"lib/net10.0/{id}.xml", entries);
                Assert.Contains("README.md", entries);
                string nuspec;
                using (var reader = new StreamReader(zip.GetEntry($"{id}.nuspec")!.Open())) nuspec = reader.ReadToEnd();
                Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
                Assert.Contains("<readme>README.md</readme>", nuspec);
                Assert.Contains("<projectUrl>https://github.com/zamsync/zamsync</projectUrl>", nuspec);
                Assert.Contains("<repository type=\"git\" url=\"https://github.com/zamsync/zamsync\"", nuspec);
                Assert.Contains($"<version>{version}</version>", nuspec);
                Assert.Matches("<description>.{20,}</description>", nuspec);

                using var symbols = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.snupkg"));
                var pdb = symbols.GetEntry($"lib/net10.0/{id}.pdb");
                Assert.NotNull(pdb);
                // SourceLink: the PDB maps the sources to the repository at a commit, whatever this clone's remote is.
                using var pdbBytes = new MemoryStream();
                using (var stream = pdb.Open()) stream.CopyTo(pdbBytes);
                Assert.Matches("https://raw.githubusercontent.com/zamsync/zamsync/[0-9a-f]{40}/", System.Text.Encoding.UTF8.GetString(pdbBytes.ToArray()));
            }

            using (var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"ZamSync.Runtime.{version}.nupkg")))
            {
                var entries = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("analyzers/dotnet/cs/ZamSync.Generators.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/ZamSync.Generators.CodeFixes.dll", entries);
                Assert.Contains("build/ZamSync.Runtime.props", entries);
                Assert.Contains("build/ZamSync.Runtime.targets", entries);
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
