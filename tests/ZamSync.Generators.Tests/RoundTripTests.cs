using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using MemoryPack;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

/// <summary>Compiles contracts with the generator, loads the assembly and runs real bytes through it.</summary>
public class RoundTripTests
{
    private const string Versions = """
        using ZamSync;
        namespace V1 { [ZamEvent(100)] public partial record Renamed([property: ZamMember(0)] string Name, [property: ZamMember(1)] int Age); }
        namespace V2 { [ZamEvent(101)] public partial record Renamed([ZamMember(1)] int Age, [ZamMember(0)] string Name, [ZamMember(3)] string? Email); }
        """;

    // Classes with ordinary setters: Deserialize(ref value) with a non-null value overwrites that instance, as
    // MemoryPack's own formatters do. Runs inside the generated assembly (the ref overload is generic).
    private const string Overwrite = """
        using MemoryPack;
        using ZamSync;
        namespace Overwrite
        {
            [ZamEvent(200)] public partial class Old { [ZamMember(0)] public int Number { get; set; } [ZamMember(1)] public int[]? Codes { get; set; } }
            [ZamEvent(201)] public partial class New { [ZamMember(0)] public int Number { get; set; } [ZamMember(1)] public int[]? Codes { get; set; } [ZamMember(2)] public string? Note { get; set; } }
            public static class Run
            {
                public static string Into()
                {
                    var bytes = MemoryPackSerializer.Serialize(new Old { Number = 7, Codes = [1, 2, 3] });
                    int[] codes = [9, 9, 9];
                    var target = new New { Number = 1, Codes = codes, Note = "stale" };
                    var value = target;
                    MemoryPackSerializer.Deserialize(bytes, ref value);
                    return $"{ReferenceEquals(value, target)} {ReferenceEquals(value!.Codes, codes)} {value.Number} {string.Join(",", value.Codes!)} {value.Note ?? "null"}";
                }
            }
        }
        """;

    // Runs inside the generated assembly: the typed SubmitAsync<TEvent> against a real engine and state.
    private const string Node = """
        using System.Threading.Tasks;
        using ZamSync;
        namespace Clinic;
        public static class Node
        {
            public static async Task<string> RunAsync(string directory)
            {
                await using var engine = await ZamEngine<ClinicState>.OpenAsync(directory, new NodeId(9),
                    new ZamEngineOptions { ContractFingerprint = ZamSync.Generated.ZamContracts.Fingerprint });
                var envelope = await engine.SubmitAsync(new PatientRegistered("P-9", "Tashi", new System.DateOnly(1980, 1, 1)));
                var back = MemoryPack.MemoryPackSerializer.Deserialize<PatientRegistered>(envelope.Payload.Span);
                return $"{envelope.EventType} {envelope.Sequence} {back!.Name} {engine.Read(s => s.Patients["P-9"])} {string.Join(",", engine.State.Log)}";
            }
        }
        """;

    private static readonly Lazy<Assembly> Loaded = new(() =>
    {
        var (output, _, _) = TestCompiler.Generate(TestCompiler.CompileAssembly("RoundTrip", Contracts.Clinic, Contracts.Shop, Versions, Overwrite, Node));
        using var pe = new MemoryStream();
        var emit = output.Emit(pe);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        var assembly = Assembly.Load(pe.ToArray());
        RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
        return assembly;
    });

    private static Type T(string name) => Loaded.Value.GetType(name, throwOnError: true)!;

    private static object Create(string type, params object?[] args) => Activator.CreateInstance(T(type), args)!;

    private static object? Get(object o, string property) => o.GetType().GetProperty(property)!.GetValue(o);

    private static void Set(object o, string property, object? value) => o.GetType().GetProperty(property)!.SetValue(o, value);

    private static object? RoundTrip(object value) =>
        MemoryPackSerializer.Deserialize(value.GetType(), MemoryPackSerializer.Serialize(value.GetType(), value));

    [Fact]
    public void A_positional_record_round_trips_through_its_generated_formatter()
    {
        var e = Create("Clinic.PatientRegistered", "P-001", "Dorji", new DateOnly(1990, 4, 2));

        var back = RoundTrip(e);

        Assert.Equal(e, back); // records compare by value
        Assert.Equal(1u, T("Clinic.PatientRegistered").GetField("EventTypeId")!.GetValue(null));
    }

    [Fact]
    public void Every_member_kind_round_trips()
    {
        var line = Create("Shop.LineItem");
        Set(line, "Sku", "SKU-1");
        Set(line, "Quantity", 3);
        var lines = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(T("Shop.LineItem")))!;
        lines.Add(line);
        var order = Create("Shop.OrderPlaced");
        var id = Guid.NewGuid();
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        Set(order, "OrderId", id);
        Set(order, "At", at);
        Set(order, "Channel", Enum.ToObject(T("Shop.Channel"), 1));
        Set(order, "Discount", 1.5m);
        Set(order, "Note", null);
        Set(order, "Codes", new[] { 1, 2, 3 });
        Set(order, "Lines", lines);
        Set(order, "Totals", new Dictionary<string, long> { ["a"] = 1, ["b"] = long.MaxValue });
        Set(order, "Tags", new[] { "x", "y" });
        Set(order, "ShipBy", new DateOnly(2026, 2, 1));

        var back = RoundTrip(order)!;

        Assert.Equal(id, Get(back, "OrderId"));
        Assert.Equal(at, Get(back, "At"));
        Assert.Equal(1, Convert.ToInt32(Get(back, "Channel")));
        Assert.Equal(1.5m, Get(back, "Discount"));
        Assert.Null(Get(back, "Note"));
        Assert.Equal([1, 2, 3], (int[])Get(back, "Codes")!);
        Assert.Equal(["x", "y"], (string[])Get(back, "Tags")!);
        Assert.Equal(new DateOnly(2026, 2, 1), Get(back, "ShipBy"));
        Assert.Equal(long.MaxValue, ((Dictionary<string, long>)Get(back, "Totals")!)["b"]);
        var backLine = ((IList)Get(back, "Lines")!)[0]!;
        Assert.Equal("SKU-1", Get(backLine, "Sku"));
        Assert.Equal(3, Get(backLine, "Quantity"));
    }

    [Fact]
    public void Bytes_follow_the_version_tolerant_layout_with_an_empty_retired_slot()
    {
        var order = Create("Shop.OrderPlaced");
        byte[] bytes = MemoryPackSerializer.Serialize(order.GetType(), order);

        Assert.Equal(11, bytes[0]); // object header: the slot count
        // Lengths: DateTime 8, Channel 1, decimal? 24 (MemoryPack writes the whole Nullable<decimal>), Guid 16, retired slot 0.
        Assert.Equal<byte>([8, 1, 24, 16, 0], bytes[1..6]);
    }

    [Fact]
    public void A_newer_writer_is_read_by_an_older_reader_and_back()
    {
        var v2 = Create("V2.Renamed", 42, "Karma", "k@example.org");
        var v1 = MemoryPackSerializer.Deserialize(T("V1.Renamed"), MemoryPackSerializer.Serialize(v2.GetType(), v2))!;
        Assert.Equal("Karma", Get(v1, "Name"));
        Assert.Equal(42, Get(v1, "Age"));

        var again = MemoryPackSerializer.Deserialize(T("V2.Renamed"), MemoryPackSerializer.Serialize(v1.GetType(), v1))!;
        Assert.Equal("Karma", Get(again, "Name"));
        Assert.Equal(42, Get(again, "Age"));
        Assert.Null(Get(again, "Email")); // a slot the old writer did not have reads as default
    }

    [Theory]
    [InlineData("V1.Renamed")] // slot 2 is beyond the reader's slots: skipped
    [InlineData("V2.Renamed")] // slot 2 is the reader's retired (empty) slot: skipped
    public void A_negative_slot_length_is_refused_rather_than_followed_backwards(string reader)
    {
        var v2 = Create("V2.Renamed", 42, "Karma", "k@example.org");
        byte[] bytes = MemoryPackSerializer.Serialize(v2.GetType(), v2);
        Assert.Equal(4, bytes[0]); // object header: four slots (slot 2 empty), then their lengths
        Assert.Equal(0, bytes[3]);
        bytes[3] = 0x9C; // slot 2's length: -100 as MemoryPack's one-byte varint

        var error = Assert.Throws<MemoryPackSerializationException>(() => MemoryPackSerializer.Deserialize(T(reader), bytes));
        Assert.Contains("negative", error.Message);
    }

    [Fact]
    public void Deserializing_into_an_existing_instance_overwrites_it_and_empties_slots_the_writer_lacked()
    {
        // Same instance, same array refilled in place; the slot the older writer did not have is reset, not kept.
        Assert.Equal("True True 7 1,2,3 null", T("Overwrite.Run").GetMethod("Into")!.Invoke(null, []));
    }

    [Fact]
    public void The_state_dispatches_by_event_type_and_ignores_unknown_types()
    {
        var state = (IStateStore)Create("Clinic.ClinicState");
        var registered = Create("Clinic.PatientRegistered", "P-7", "Pema", new DateOnly(2000, 1, 1));
        var vitals = Create("Clinic.VitalsRecorded", "P-7", 120, 80);
        var origin = new NodeId(7);

        state.Apply(new EventEnvelope(origin, 1, new Hlc(1, 0), 1, MemoryPackSerializer.Serialize(registered.GetType(), registered)));
        state.Apply(new EventEnvelope(origin, 2, new Hlc(2, 0), 2, MemoryPackSerializer.Serialize(vitals.GetType(), vitals)));
        state.Apply(new EventEnvelope(origin, 3, new Hlc(3, 0), 999, new byte[] { 1, 2, 3 }));

        Assert.Equal("Pema", ((Dictionary<string, string>)Get(state, "Patients")!)["P-7"]);
        Assert.Equal(["P-7@7#1", "P-7:120/80"], (List<string>)Get(state, "Log")!);
        state.Reset();
        Assert.Empty((List<string>)Get(state, "Log")!);
    }

    [Fact]
    public void The_registry_maps_ids_to_types_and_carries_the_fingerprint_of_its_schema()
    {
        var registry = T("ZamSync.Generated.ZamContracts");
        string schema = (string)registry.GetField("Schema")!.GetRawConstantValue()!;
        string fingerprint = (string)registry.GetField("Fingerprint")!.GetRawConstantValue()!;

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(schema))), fingerprint);
        Assert.Equal(T("Shop.OrderPlaced"), registry.GetMethod("TypeOf")!.Invoke(null, [11u]));
        Assert.Equal("Clinic.VitalsRecorded", registry.GetMethod("NameOf")!.Invoke(null, [2u]));
        Assert.Equal(100u, registry.GetMethod("IdOf")!.Invoke(null, [T("V1.Renamed")]));
        Assert.Contains("11 Shop.OrderPlaced { 0 At: System.DateTime; 1 Channel: Shop.Channel; 2 Discount: decimal?; 3 OrderId: System.Guid; 5 Note: string;", schema);
    }

    [Fact]
    public async Task The_typed_submit_serializes_with_the_generated_formatter_and_the_state_applies_it()
    {
        string directory = Path.Combine(Path.GetTempPath(), "zamsync-gen-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = (Task<string>)T("Clinic.Node").GetMethod("RunAsync")!.Invoke(null, [directory])!;
            Assert.Equal("1 1 Tashi Tashi P-9@9#1", await run);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
