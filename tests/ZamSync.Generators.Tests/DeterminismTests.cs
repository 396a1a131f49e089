using Microsoft.CodeAnalysis;
using ZamSync.Generators.Diagnostics.Determinism;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

/// <summary>
/// ZS6xxx: each rule fires on a nondeterministic operation in Apply or in what Apply calls, names the API and the
/// path, and stays quiet on the deterministic spelling of the same thing.
/// </summary>
public class DeterminismTests
{
    private const string Usings = """
        using System; using System.Collections.Generic; using System.Diagnostics; using System.Globalization; using System.IO;
        using System.Linq; using System.Security.Cryptography; using System.Threading.Tasks; using ZamSync;

        """;

    private const string Event = "[ZamEvent(1)] public partial record Evt(string Id, int N, double X, string Text);\n";

    /// <summary>A state whose Apply(Evt, ctx) has <paramref name="body"/>, plus extra declarations.</summary>
    private static string State(string body, string extra = "") => Event + $$"""
        [ZamState]
        public partial class S
        {
            public List<string> Log { get; } = new();
            public double Total { get; set; }
            void Apply(Evt e, EventContext ctx)
            {
                {{body}}
            }
            public void Reset() { Log.Clear(); Total = 0; }
        }
        {{extra}}
        """;

    private static Task<System.Collections.Immutable.ImmutableArray<Diagnostic>> Analyze(string source) =>
        TestCompiler.AnalyzeWithAsync(new DeterminismAnalyzer(), Usings + source);

    private static async Task<Diagnostic> Single(string source, string id, DiagnosticSeverity severity, string spanText)
    {
        var diagnostics = await Analyze(source);
        Assert.True(diagnostics.Length == 1, $"Expected one {id}, got: {string.Join("\n", diagnostics)}");
        var d = diagnostics[0];
        Assert.Equal(id, d.Id);
        Assert.Equal(severity, d.Severity);
        Assert.Equal(spanText, TestCompiler.SpanText(d));
        Assert.Equal($"https://github.com/zamsync/zamsync/blob/main/docs/diagnostics/{id}.md", d.Descriptor.HelpLinkUri);
        return d;
    }

    private static async Task None(string source)
    {
        var diagnostics = await Analyze(source);
        Assert.True(diagnostics.IsEmpty, string.Join("\n", diagnostics));
    }

    // ---- ZS6001: the wall clock ----

    [Theory]
    [InlineData("var t = DateTime.UtcNow;", "DateTime.UtcNow")]
    [InlineData("var t = DateTime.Now;", "DateTime.Now")]
    [InlineData("var t = DateTime.Today;", "DateTime.Today")]
    [InlineData("var t = DateTimeOffset.UtcNow;", "DateTimeOffset.UtcNow")]
    [InlineData("var t = DateTimeOffset.Now.ToUnixTimeMilliseconds();", "DateTimeOffset.Now")]
    [InlineData("var t = Stopwatch.GetTimestamp();", "Stopwatch.GetTimestamp()")]
    [InlineData("var t = Stopwatch.StartNew().Elapsed;", "Stopwatch.StartNew()")]
    [InlineData("var t = Environment.TickCount64;", "Environment.TickCount64")]
    [InlineData("var t = TimeProvider.System.GetUtcNow();", "TimeProvider.System")]
    public async Task ZS6001_clock_in_apply(string body, string span)
    {
        var d = await Single(State(body), "ZS6001", DiagnosticSeverity.Error, span);
        Assert.Contains("reads the wall clock in S.Apply(Evt)", d.GetMessage());
    }

    [Fact]
    public Task ZS6001_time_provider_passed_in_is_still_the_clock() =>
        Single(State("var t = Clock.Time.GetUtcNow();", "public static class Clock { public static readonly TimeProvider Time = TimeProvider.System; }"),
            "ZS6001", DiagnosticSeverity.Error, "Clock.Time.GetUtcNow()");

    [Theory]
    [InlineData("var t = DateTimeOffset.FromUnixTimeMilliseconds(ctx.Hlc.Physical);")]
    [InlineData("var t = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(e.N);")]
    [InlineData("var t = DateTime.UnixEpoch; var u = DateTime.MaxValue;")]
    public Task ZS6001_time_from_the_event_is_fine(string body) => None(State(body));

    [Fact]
    public Task ZS6001_a_type_of_ones_own_named_like_the_clock_is_fine() =>
        None(State("var t = My.DateTime.UtcNow;", "namespace My { public static class DateTime { public static int UtcNow => 1; } }"));

    // ---- ZS6002: randomness ----

    [Theory]
    [InlineData("var r = new Random().Next();", "new Random()")]
    [InlineData("var r = new Random(42);", "new Random(42)")]
    [InlineData("var r = Random.Shared.Next(10);", "Random.Shared")]
    [InlineData("var g = Guid.NewGuid();", "Guid.NewGuid()")]
    [InlineData("var r = RandomNumberGenerator.GetInt32(10);", "RandomNumberGenerator.GetInt32(10)")]
    [InlineData("var h = e.Id.GetHashCode();", "e.Id.GetHashCode()")]
    [InlineData("var h = HashCode.Combine(e.Id, e.N);", "HashCode.Combine(e.Id, e.N)")]
    [InlineData("var h = new object().GetHashCode();", "new object().GetHashCode()")]
    public async Task ZS6002_randomness_in_apply(string body, string span)
    {
        var d = await Single(State(body), "ZS6002", DiagnosticSeverity.Error, span);
        Assert.Contains("in S.Apply(Evt)", d.GetMessage());
    }

    [Theory]
    [InlineData("var g = Guid.Parse(e.Id);")]
    [InlineData("var h = e.N.GetHashCode();")]
    [InlineData("var r = new Fake().Next();")]
    public Task ZS6002_deterministic_look_alikes_are_fine(string body) =>
        None(State(body, "public sealed class Fake { public int Next() => 4; }"));

    // ---- ZS6003: environment and I/O ----

    [Theory]
    [InlineData("var m = Environment.MachineName;", "Environment.MachineName")]
    [InlineData("Log.Add(Environment.NewLine);", "Environment.NewLine")]
    [InlineData("var v = Environment.GetEnvironmentVariable(\"X\");", "Environment.GetEnvironmentVariable(\"X\")")]
    [InlineData("Log.Add(File.ReadAllText(e.Id));", "File.ReadAllText(e.Id)")]
    [InlineData("using var f = new FileStream(e.Id, FileMode.Open);", "new FileStream(e.Id, FileMode.Open)")]
    [InlineData("var p = Path.GetTempPath();", "Path.GetTempPath()")]
    [InlineData("Console.WriteLine(e.Id);", "Console.WriteLine(e.Id)")]
    [InlineData("var p = Process.GetCurrentProcess().Id;", "Process.GetCurrentProcess()")]
    [InlineData("using var c = new System.Net.Http.HttpClient();", "new System.Net.Http.HttpClient()")]
    [InlineData("var z = TimeZoneInfo.Local;", "TimeZoneInfo.Local")]
    [InlineData("var t = DateTime.UnixEpoch.ToLocalTime();", "DateTime.UnixEpoch.ToLocalTime()")]
    public async Task ZS6003_environment_in_apply(string body, string span)
    {
        var d = await Single(State(body), "ZS6003", DiagnosticSeverity.Error, span);
        Assert.Contains("in S.Apply(Evt)", d.GetMessage());
    }

    [Theory]
    [InlineData("var a = System.Net.IPAddress.Parse(\"10.0.0.1\");")]
    [InlineData("using var m = new MemoryStream(); m.WriteByte(1);")]
    public Task ZS6003_pure_types_near_io_are_fine(string body) => None(State(body));

    // ---- the call graph ----

    [Fact]
    public async Task A_helper_two_calls_away_is_reported_with_its_path()
    {
        var d = await Single(State("Log.Add(Helpers.Stamp(e.Id));", """
            public static class Helpers { public static string Stamp(string id) => id + Clock.Read(); }
            public static class Clock { public static long Read() => DateTime.UtcNow.Ticks; }
            """), "ZS6001", DiagnosticSeverity.Error, "DateTime.UtcNow");
        Assert.Equal("'DateTime.UtcNow' reads the wall clock, reached from S.Apply(Evt) via Helpers.Stamp -> Clock.Read; every node and every re-fold sees another time, use the event's own time or EventContext.Hlc",
            d.GetMessage());
    }

    [Fact]
    public async Task Properties_constructors_and_method_groups_are_followed()
    {
        var diagnostics = await Analyze(State("var a = Helpers.Now; var b = new Holder(); Func<Guid> f = Helpers.Id;", """
            public static class Helpers
            {
                public static DateTime Now => DateTime.UtcNow;
                public static Guid Id() => Guid.NewGuid();
            }
            public sealed class Holder { public Holder() => Console.WriteLine("made"); }
            """));

        Assert.Equal(["ZS6001", "ZS6002", "ZS6003"], diagnostics.Select(d => d.Id).Order());
        Assert.Contains(diagnostics, d => d.GetMessage().Contains("via Helpers.Now;"));
        Assert.Contains(diagnostics, d => d.GetMessage().Contains("via new Holder;"));
        Assert.Contains(diagnostics, d => d.GetMessage().Contains("via Helpers.Id;"));
    }

    [Fact]
    public Task A_helper_not_called_from_apply_is_not_reported() =>
        None(State("Log.Add(e.Id);", "public static class Helpers { public static long Read() => DateTime.UtcNow.Ticks; }"));

    [Fact]
    public Task A_deterministic_helper_called_from_apply_is_fine() =>
        None(State("Log.Add(Helpers.Key(e.Id, ctx));", "public static class Helpers { public static string Key(string id, EventContext ctx) => id + \"@\" + ctx.Hlc; }"));

    [Fact]
    public Task Code_outside_apply_in_the_state_may_use_the_clock() =>
        None(Event + """
            [ZamState]
            public partial class S
            {
                public DateTime OpenedAt { get; } = DateTime.UtcNow;
                public string Describe() => $"{DateTime.Now}";
                void Apply(Evt e) { }
                public void Reset() { }
            }
            """);

    [Fact]
    public async Task Recursion_ends_and_reports_once()
    {
        var diagnostics = await Analyze(State("Log.Add(Helpers.A(e.N));", """
            public static class Helpers
            {
                public static string A(int n) => n <= 0 ? Guid.NewGuid().ToString() : B(n - 1) + A(n - 1);
                public static string B(int n) => A(n);
            }
            """));

        var d = Assert.Single(diagnostics);
        Assert.Equal("ZS6002", d.Id);
        Assert.Contains("reached from S.Apply(Evt) via Helpers.A;", d.GetMessage());
    }

    [Fact]
    public async Task A_helper_reached_from_two_applies_is_reported_once_for_the_first()
    {
        var diagnostics = await Analyze("""
            [ZamEvent(1)] public partial record A(int X);
            [ZamEvent(2)] public partial record B(int X);
            [ZamState]
            public partial class S
            {
                long _t;
                void Apply(A e) => _t = Helpers.Now();
                void Apply(B e) => _t = Helpers.Now();
                public void Reset() => _t = 0;
            }
            public static class Helpers { public static long Now() => DateTime.UtcNow.Ticks; }
            """);

        var d = Assert.Single(diagnostics);
        Assert.Contains("reached from S.Apply(A) via Helpers.Now", d.GetMessage());
    }

    [Fact]
    public Task Invalid_handlers_are_left_to_ZS4001() =>
        None(Event + """
            [ZamState]
            public partial class S
            {
                public static void Apply(Evt e) => Console.WriteLine(DateTime.Now);
                void Apply(Evt e, EventContext ctx) { }
                public void Reset() { }
            }
            """);
}
