using Microsoft.CodeAnalysis;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

public class GeneratedCodeTests
{
    [Theory]
    [InlineData(nameof(Contracts.Clinic))]
    [InlineData(nameof(Contracts.Shop))]
    [InlineData(nameof(Contracts.Ledger))]
    public void Generated_code_compiles_with_no_warning_under_nullable_and_warnings_as_errors(string contract)
    {
        var (output, generatorDiagnostics, result) = TestCompiler.Generate(TestCompiler.Compile(Source(contract)));

        Assert.Empty(generatorDiagnostics);
        Assert.NotEmpty(TestCompiler.GeneratedSources(result));
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning || d.IsWarningAsError).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Clinic_sources_match_their_snapshots()
    {
        var sources = TestCompiler.GeneratedSources(TestCompiler.Generate(TestCompiler.Compile(Contracts.Clinic)).Result);

        Assert.Equal(
            ["Clinic.ClinicState.ZamState.g.cs", "Clinic.PatientRegistered.ZamEvent.g.cs", "Clinic.VitalsRecorded.ZamEvent.g.cs", "ZamSync.Generated.ZamContracts.g.cs", "ZamSync.Generated.ZamProjections.g.cs"],
            sources.Keys.Order(StringComparer.Ordinal));
        foreach (var (hint, text) in sources) Snapshot.Match(hint.Replace(".g.cs", "").Replace("ZamSync.Generated", "Clinic.ZamSync.Generated"), text);
    }

    [Fact]
    public void Shop_sources_match_their_snapshots()
    {
        var sources = TestCompiler.GeneratedSources(TestCompiler.Generate(TestCompiler.Compile(Contracts.Shop)).Result);

        Assert.Equal(
            ["Shop.LineItem.ZamEvent.g.cs", "Shop.OrderPlaced.ZamEvent.g.cs", "ZamSync.Generated.ZamContracts.g.cs", "ZamSync.Generated.ZamProjections.g.cs"],
            sources.Keys.Order(StringComparer.Ordinal));
        foreach (var (hint, text) in sources) Snapshot.Match(hint.Replace(".g.cs", "").Replace("ZamSync.Generated", "Shop.ZamSync.Generated"), text);
    }

    [Fact]
    public void Snapshot_state_source_matches_its_snapshot()
    {
        var sources = TestCompiler.GeneratedSources(TestCompiler.Generate(TestCompiler.Compile(Contracts.Ledger)).Result);

        Snapshot.Match("Ledger.LedgerState.ZamState", sources["Ledger.LedgerState.ZamState.g.cs"]);
    }

    [Fact]
    public void A_state_without_Snapshots_does_not_implement_ISnapshotableState()
    {
        var sources = TestCompiler.GeneratedSources(TestCompiler.Generate(TestCompiler.Compile(Contracts.Clinic)).Result);

        Assert.DoesNotContain("ISnapshotableState", sources["Clinic.ClinicState.ZamState.g.cs"]);
    }

    [Fact]
    public void Output_does_not_depend_on_file_order()
    {
        string first = """
            namespace A;
            [ZamSync.ZamEvent(7)] public partial record Late(int X);
            """;
        string second = """
            namespace B;
            [ZamSync.ZamEvent(3)] public partial record Early(string Y);
            """;

        var one = TestCompiler.GeneratedSources(TestCompiler.Generate(TestCompiler.Compile(first, second)).Result);
        var two = TestCompiler.GeneratedSources(TestCompiler.Generate(TestCompiler.Compile(second, first)).Result);

        Assert.Equal(one.OrderBy(p => p.Key), two.OrderBy(p => p.Key));
        Assert.Contains("3u => typeof(global::B.Early),\n", one["ZamSync.Generated.ZamContracts.g.cs"]);
    }

    [Theory]
    [InlineData("false", false)]
    [InlineData(" False ", false)]
    [InlineData("true", true)]
    [InlineData("", true)]
    public void ZamSyncEmitRegistry_false_leaves_out_the_registry_and_keeps_every_formatter(string value, bool registry)
    {
        string source = """
            namespace A;
            [ZamSync.ZamEvent(1)] internal sealed partial class Hello { [ZamSync.ZamMember(0)] public ulong Node { get; set; } }
            [ZamSync.ZamEvent(2)] internal sealed partial class Bye { [ZamSync.ZamMember(0)] public byte[]? Why { get; set; } }
            public static class Use
            {
                // The formatters are there to register by hand, as the runtime does for its wire messages.
                public static void Register()
                {
                    MemoryPack.MemoryPackFormatterProvider.Register(new Hello.__ZamFormatter());
                    MemoryPack.MemoryPackFormatterProvider.Register(new Bye.__ZamFormatter());
                }
            }
            """;
        var options = new GlobalOptionsProvider(new Dictionary<string, string> { ["build_property.ZamSyncEmitRegistry"] = value });
        var driver = TestCompiler.CreateDriver(options: options).RunGeneratorsAndUpdateCompilation(TestCompiler.Compile(source), out var output, out var diagnostics);

        Assert.Empty(diagnostics);
        var sources = TestCompiler.GeneratedSources(driver.GetRunResult());
        Assert.Contains("A.Hello.ZamEvent.g.cs", sources.Keys);
        Assert.Contains("A.Bye.ZamEvent.g.cs", sources.Keys);
        Assert.Equal(registry, sources.ContainsKey("ZamSync.Generated.ZamContracts.g.cs"));
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning || d.IsWarningAsError).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Invalid_types_get_no_code()
    {
        string source = """
            namespace A;
            [ZamSync.ZamEvent(1)] public record NotPartial(int X);
            [ZamSync.ZamEvent(0)] public partial record ZeroId(int X);
            [ZamSync.ZamEvent(2)] public partial record Fine(int X);
            [ZamSync.ZamState] public partial class NoReset { void Apply(Fine e) { } }
            """;

        var sources = TestCompiler.GeneratedSources(TestCompiler.Generate(TestCompiler.Compile(source)).Result);

        Assert.Equal(["A.Fine.ZamEvent.g.cs", "ZamSync.Generated.ZamContracts.g.cs", "ZamSync.Generated.ZamProjections.g.cs"], sources.Keys.Order(StringComparer.Ordinal));
    }

    internal static string Source(string contract) => contract switch
    {
        nameof(Contracts.Clinic) => Contracts.Clinic,
        nameof(Contracts.Shop) => Contracts.Shop,
        nameof(Contracts.Ledger) => Contracts.Ledger,
        _ => throw new ArgumentOutOfRangeException(nameof(contract)),
    };
}
