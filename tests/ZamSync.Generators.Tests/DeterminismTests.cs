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
        Assert.Equal(severity, d.Descriptor.DefaultSeverity); // the test compilation turns warnings into errors, as the build does
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
            public static class Helpers { public static string Stamp(string id) => id + Clock.Read().ToString(CultureInfo.InvariantCulture); }
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

    // ---- ZS6004: culture ----

    [Theory]
    [InlineData("Log.Add(e.N.ToString());", "e.N.ToString()")]
    [InlineData("Log.Add(e.X.ToString(\"F2\"));", "e.X.ToString(\"F2\")")]
    [InlineData("Log.Add(DateTime.UnixEpoch.ToString(\"yyyy-MM-dd\"));", "DateTime.UnixEpoch.ToString(\"yyyy-MM-dd\")")]
    [InlineData("Log.Add(((uint)e.N).ToString(\"N0\"));", "((uint)e.N).ToString(\"N0\")")]
    [InlineData("Log.Add($\"{e.Id} x{e.N}\");", "$\"{e.Id} x{e.N}\"")]
    [InlineData("Log.Add($\"{e.X:F1}\");", "$\"{e.X:F1}\"")]
    [InlineData("Log.Add(\"n=\" + e.X);", "e.X")]
    [InlineData("Total = double.Parse(e.Text);", "double.Parse(e.Text)")]
    [InlineData("int.TryParse(e.Text, out var n);", "int.TryParse(e.Text, out var n)")]
    [InlineData("var d = DateTime.Parse(e.Text);", "DateTime.Parse(e.Text)")]
    [InlineData("Total = Convert.ToDouble(e.Text);", "Convert.ToDouble(e.Text)")]
    [InlineData("Log.Add(string.Format(\"{0}\", e.X));", "string.Format(\"{0}\", e.X)")]
    [InlineData("Log.Add(e.Text.ToUpper());", "e.Text.ToUpper()")]
    [InlineData("if (e.Text.StartsWith(\"x\")) Log.Add(e.Id);", "e.Text.StartsWith(\"x\")")]
    [InlineData("if (string.Compare(e.Text, e.Id) < 0) Log.Add(e.Id);", "string.Compare(e.Text, e.Id)")]
    [InlineData("Log.AddRange(Log.OrderBy(s => s).ToList());", "Log.OrderBy(s => s)")]
    [InlineData("Log.Sort();", "Log.Sort()")]
    [InlineData("var c = CultureInfo.CurrentCulture;", "CultureInfo.CurrentCulture")]
    [InlineData("var sorted = new SortedSet<string>();", "new SortedSet<string>()")]
    public async Task ZS6004_culture_sensitive_text_in_apply(string body, string span)
    {
        var d = await Single(State(body), "ZS6004", DiagnosticSeverity.Warning, span);
        Assert.Contains("depends on the current culture in S.Apply(Evt)", d.GetMessage());
    }

    [Theory]
    [InlineData("Log.Add(e.N.ToString(CultureInfo.InvariantCulture));")]
    [InlineData("Log.Add(e.X.ToString(\"F2\", CultureInfo.InvariantCulture));")]
    [InlineData("Log.Add(string.Create(CultureInfo.InvariantCulture, $\"{e.Id} x{e.N} {e.X}\"));")]
    [InlineData("Log.Add(FormattableString.Invariant($\"{e.X}\"));")]
    [InlineData("Log.Add(new System.Text.StringBuilder().Append(CultureInfo.InvariantCulture, $\"{e.X}\").ToString());")]
    [InlineData("Log.Add(string.Format(CultureInfo.InvariantCulture, \"{0}\", e.X));")]
    [InlineData("Total = double.Parse(e.Text, CultureInfo.InvariantCulture);")]
    [InlineData("int.TryParse(e.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n);")]
    [InlineData("Log.Add($\"{e.Id} {(uint)e.N} {ctx.Sequence} {ctx.Hlc} {DateTime.UnixEpoch:O} {TimeSpan.Zero} {e.N:X8} {Guid.Empty} {true}\");")]
    [InlineData("Log.Add(((ulong)e.N).ToString());")]
    [InlineData("Log.Add(e.Id + e.Text + 'c');")]
    [InlineData("Log.Add(e.Text.ToUpperInvariant());")]
    [InlineData("if (e.Text.StartsWith(\"x\", StringComparison.Ordinal) || e.Text.StartsWith('x')) Log.Add(e.Id);")]
    [InlineData("Log.AddRange(Log.OrderBy(s => s, StringComparer.Ordinal).ToList());")]
    [InlineData("var sorted = new SortedSet<string>(StringComparer.Ordinal); var ints = new SortedSet<int>();")]
    public Task ZS6004_invariant_text_is_fine(string body) => None(State(body));

    // ---- ZS6005: unordered iteration ----

    [Theory]
    [InlineData("foreach (var x in Seen) Log.Add(x);", "Seen")]
    [InlineData("foreach (var (k, v) in Counts) Log.Add(k);", "Counts")]
    [InlineData("foreach (var k in Counts.Keys) Log.Add(k);", "Counts.Keys")]
    [InlineData("Log.AddRange(Seen.ToList());", "Seen.ToList()")]
    [InlineData("Log.Add(Counts.Keys.First());", "Counts.Keys.First()")]
    [InlineData("Log.AddRange(Seen.Where(x => x.Length > 1).Select(x => x + \"!\").ToArray());", "Seen.Where(x => x.Length > 1).Select(x => x + \"!\").ToArray()")]
    [InlineData("foreach (var x in Seen.Where(x => x.Length > 1)) Log.Add(x);", "Seen.Where(x => x.Length > 1)")]
    [InlineData("Total = Weights.Values.Sum();", "Weights.Values.Sum()")]
    public async Task ZS6005_unordered_iteration_in_apply(string body, string span)
    {
        var d = await Single(State(body, Collections), "ZS6005", DiagnosticSeverity.Warning, span);
        Assert.Contains("in S.Apply(Evt)", d.GetMessage());
    }

    private const string Collections = """
        public partial class S
        {
            public HashSet<string> Seen { get; } = new();
            public Dictionary<string, int> Counts { get; } = new();
            public Dictionary<string, double> Weights { get; } = new();
            public SortedDictionary<string, int> Sorted { get; } = new(StringComparer.Ordinal);
        }
        """;

    [Theory]
    [InlineData("foreach (var (k, v) in Sorted) Log.Add(k);")]
    [InlineData("foreach (var k in Counts.Keys.OrderBy(k => k, StringComparer.Ordinal)) Log.Add(k);")]
    [InlineData("var n = Counts.Values.Sum() + Counts.Count(kv => kv.Value > 1) + Seen.Where(x => x.Length > 1).Count();")]
    [InlineData("if (Seen.Contains(e.Id) && Counts.Any()) Log.Add(e.Id);")]
    [InlineData("foreach (var x in Log) Log.Add(x); foreach (var c in e.Text) Log.Add(c.ToString());")]
    public Task ZS6005_ordered_or_order_insensitive_use_is_fine(string body) => None(State(body, Collections));

    // ---- ZS6006: async ----

    [Fact]
    public async Task ZS6006_async_apply()
    {
        var d = await Single(Event + """
            [ZamState]
            public partial class S
            {
                async void Apply(Evt e) => await Task.Yield();
                public void Reset() { }
            }
            """, "ZS6006", DiagnosticSeverity.Error, "async");
        Assert.StartsWith("'async S.Apply' in S.Apply(Evt) runs asynchronously", d.GetMessage());
    }

    [Fact]
    public async Task ZS6006_async_helper_and_lambda()
    {
        var diagnostics = await Analyze(State("_ = Helpers.LaterAsync(); Func<Task> f = async () => await Task.Yield();",
            "public static class Helpers { public static async Task LaterAsync() => await Task.Delay(1); }"));

        Assert.Equal(["ZS6006", "ZS6006"], diagnostics.Select(d => d.Id));
        Assert.All(diagnostics, d => Assert.Equal("async", TestCompiler.SpanText(d)));
        Assert.Contains(diagnostics, d => d.GetMessage().StartsWith("'async Helpers.LaterAsync', reached from S.Apply(Evt) via Helpers.LaterAsync", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.GetMessage().StartsWith("'async lambda' in S.Apply(Evt)", StringComparison.Ordinal));
    }

    [Fact]
    public Task ZS6006_a_synchronous_task_helper_is_fine() =>
        None(State("_ = Helpers.Done();", "public static class Helpers { public static Task Done() => Task.CompletedTask; }"));

    // ---- ZS6007: mutable static state ----

    [Theory]
    [InlineData("Counter.Next++;", "Counter.Next")]
    [InlineData("Log.Add(Counter.Name);", "Counter.Name")]
    [InlineData("Counter.Seen = e.N;", "Counter.Seen")]
    public async Task ZS6007_mutable_static_in_apply(string body, string span)
    {
        var d = await Single(State(body, Statics), "ZS6007", DiagnosticSeverity.Error, span);
        Assert.Contains("is mutable static state in S.Apply(Evt)", d.GetMessage());
    }

    [Fact]
    public Task ZS6007_through_a_property_with_a_body() =>
        Single(State("Log.Add(Counter.Current.ToString(CultureInfo.InvariantCulture));", Statics), "ZS6007", DiagnosticSeverity.Error, "_current");

    private const string Statics = """
        public static class Counter
        {
            public static int Next;
            public static string Name = "a";
            public static int Seen { get; set; }
            private static int _current;
            public static int Current => _current;
            public const int Limit = 3;
            public static readonly string Prefix = "p";
            public static int Fixed { get; } = 4;
        }
        """;

    [Fact]
    public Task ZS6007_constants_and_readonly_statics_are_fine() =>
        None(State("Log.Add(Counter.Prefix + Counter.Limit.ToString(CultureInfo.InvariantCulture) + Counter.Fixed.ToString(CultureInfo.InvariantCulture) + string.Empty);", Statics));

    // ---- ZS6008: floating-point accumulation ----

    [Theory]
    [InlineData("Total += e.X;", "Total += e.X")]
    [InlineData("Total = Total * e.X;", "Total = Total * e.X")]
    [InlineData("float f = 0; f -= (float)e.X;", "f -= (float)e.X")]
    public async Task ZS6008_floating_point_accumulation_in_apply(string body, string span)
    {
        var d = await Single(State(body), "ZS6008", DiagnosticSeverity.Warning, span);
        Assert.Contains("in S.Apply(Evt)", d.GetMessage());
    }

    [Theory]
    [InlineData("Total = e.X;")]
    [InlineData("decimal d = 0; d += (decimal)e.X; long l = 0; l += e.N;")]
    [InlineData("Total = e.X * 2;")]
    public Task ZS6008_assignment_and_exact_arithmetic_are_fine(string body) => None(State(body));

    [Fact]
    public async Task Several_rules_in_one_helper_are_each_reported_with_the_path()
    {
        var diagnostics = await Analyze(State("Log.Add(Format.Line(e));", """
            public static class Format
            {
                public static string Line(Evt e) => Part(e) + DateTime.Now.ToString(CultureInfo.InvariantCulture);
                private static string Part(Evt e) => e.X.ToString();
            }
            """));

        Assert.Equal(["ZS6001", "ZS6004"], diagnostics.Select(d => d.Id));
        Assert.Contains("reached from S.Apply(Evt) via Format.Line;", diagnostics[0].GetMessage());
        Assert.Contains("reached from S.Apply(Evt) via Format.Line -> Format.Part;", diagnostics[1].GetMessage());
    }
}
