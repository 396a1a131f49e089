using System.Reflection;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

/// <summary>
/// A [ZamState(Snapshots = true)] that holds plain records, classes and structs of its own assembly (no
/// [MemoryPackable] anywhere): the generator writes their formatters, so the whole state round-trips, including
/// nested and self-referencing types, nulls, arrays and dictionaries, and old and new shapes of a plain type read
/// each other as events do.
/// </summary>
public class WholeStateSnapshotTests
{
    private const string Ward = """
        using System.Collections.Generic;
        using System.Linq;
        using ZamSync;
        namespace Whole
        {
            [ZamEvent(300)] public partial record Admitted(string Id, string Name, int Ward);
            public enum Level { Low, High }
            public sealed record Reading(string Kind, decimal Value, decimal? Limit, Level Level);
            public sealed record Patient(string Id, string Name)
            {
                public List<Reading> Readings { get; init; } = new();
                public string[] Notes { get; init; } = [];
                public Patient? Referral { get; init; }
            }
            public readonly record struct Bed(int Ward, int Number);
            public sealed class Tree
            {
                public string Name { get; set; } = "";
                public List<Tree> Children { get; set; } = new();
                public Bed? Bed { get; set; }
            }

            [ZamState(Snapshots = true)]
            public partial class WardState
            {
                public Dictionary<string, Patient> Patients { get; } = new(System.StringComparer.Ordinal);
                public Dictionary<Bed, string> Beds { get; } = new();
                public Tree Root { get; set; } = new();
                public Patient? Last { get; set; }
                public Bed[] Free { get; set; } = [];

                void Apply(Admitted e)
                {
                    Last = new Patient(e.Id, e.Name);
                    Patients[e.Id] = Last;
                }

                public void Reset() { Patients.Clear(); Beds.Clear(); Root = new(); Last = null; Free = []; }

                public static WardState Sample()
                {
                    var s = new WardState();
                    var referral = new Patient("p0", "Old") { Notes = ["moved"] };
                    s.Patients["p1"] = new Patient("p1", "Amina")
                    {
                        Readings = [new Reading("bp", 120.5m, 140m, Level.Low), new Reading("temp", 39.25m, null, Level.High)],
                        Notes = ["first", ""],
                        Referral = referral,
                    };
                    s.Patients["p2"] = new Patient("p2", "Tendai");
                    s.Beds[new Bed(1, 2)] = "p1";
                    s.Beds[new Bed(3, 4)] = "p2";
                    s.Root = new Tree { Name = "hospital", Children = [new Tree { Name = "ward 1", Bed = new Bed(1, 2) }, new Tree { Name = "ward 3", Children = [new Tree()] }] };
                    s.Last = s.Patients["p2"];
                    s.Free = [new Bed(9, 9)];
                    return s;
                }

                public string Describe() =>
                    string.Join(";", Patients.OrderBy(p => p.Key, System.StringComparer.Ordinal).Select(p => p.Key + "=" + Show(p.Value)))
                    + "|" + string.Join(",", Beds.OrderBy(b => b.Key.Ward).Select(b => b.Key + ":" + b.Value))
                    + "|" + Show(Root) + "|" + (Last is null ? "-" : Show(Last)) + "|" + string.Join(",", Free);

                private static string Show(Patient p) =>
                    p.Id + "/" + p.Name + "[" + string.Join(",", p.Readings) + "](" + string.Join(",", p.Notes) + ")" + (p.Referral is null ? "" : "<-" + Show(p.Referral));

                private static string Show(Tree t) => t.Name + (t.Bed is { } b ? "@" + b : "") + "{" + string.Join(",", t.Children.Select(Show)) + "}";
            }
        }
        namespace Shapes.V1
        {
            [ZamEvent(301)] public partial record Stocked(string Item);
            public sealed record Item(string Name, int Count);
            [ZamState(Snapshots = true)]
            public partial class Store
            {
                public List<Item> Items { get; set; } = new();
                void Apply(Stocked e) => Items.Add(new Item(e.Item, 1));
                public void Reset() => Items = new();
            }
        }
        namespace Shapes.V2
        {
            // V2 retired Count (slot 1) and added Unit (slot 2).
            public sealed record Item([property: ZamMember(0)] string Name, [property: ZamMember(2)] string Unit);
            [ZamState(Snapshots = true)]
            public partial class Store
            {
                public List<Item> Items { get; set; } = new();
                void Apply(Shapes.V1.Stocked e) => Items.Add(new Item(e.Item, "box"));
                public void Reset() => Items = new();
            }
        }
        """;

    private static readonly Lazy<Assembly> Loaded = new(() => TestCompiler.LoadGenerated("WholeStates", Ward));

    private static Type T(string name) => Loaded.Value.GetType(name, throwOnError: true)!;

    private static byte[] Write(object state)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        ((ISnapshotableState)state).WriteSnapshot(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static string Describe(object state) => (string)state.GetType().GetMethod("Describe")!.Invoke(state, null)!;

    [Fact]
    public void A_state_of_plain_records_classes_and_structs_round_trips_whole()
    {
        var sample = T("Whole.WardState").GetMethod("Sample")!.Invoke(null, null)!;
        var fresh = Activator.CreateInstance(T("Whole.WardState"))!;

        ((ISnapshotableState)fresh).ReadSnapshot(Write(sample));

        Assert.Equal(
            "p1=p1/Amina[Reading { Kind = bp, Value = 120.5, Limit = 140, Level = Low },Reading { Kind = temp, Value = 39.25, Limit = , Level = High }](first,)<-p0/Old[](moved);"
            + "p2=p2/Tendai[]()|Bed { Ward = 1, Number = 2 }:p1,Bed { Ward = 3, Number = 4 }:p2"
            + "|hospital{ward 1@Bed { Ward = 1, Number = 2 }{},ward 3{{}}}|p2/Tendai[]()|Bed { Ward = 9, Number = 9 }",
            Describe(fresh));
        Assert.Equal(Write(sample), Write(fresh));
    }

    [Fact]
    public void An_empty_state_round_trips_and_reading_replaces_what_was_there()
    {
        var sample = T("Whole.WardState").GetMethod("Sample")!.Invoke(null, null)!;
        var empty = Activator.CreateInstance(T("Whole.WardState"))!;

        ((ISnapshotableState)sample).ReadSnapshot(Write(empty));

        Assert.Equal(Describe(empty), Describe(sample));
        Assert.Equal("||{}|-|", Describe(sample));
    }

    [Fact]
    public void Old_and_new_shapes_of_a_plain_type_read_each_others_snapshots()
    {
        var v1 = Activator.CreateInstance(T("Shapes.V1.Store"))!;
        var v1Items = (System.Collections.IList)v1.GetType().GetProperty("Items")!.GetValue(v1)!;
        v1Items.Add(Activator.CreateInstance(T("Shapes.V1.Item"), "soap", 3));

        var v2 = Activator.CreateInstance(T("Shapes.V2.Store"))!;
        ((ISnapshotableState)v2).ReadSnapshot(Write(v1));
        var read = ((System.Collections.IList)v2.GetType().GetProperty("Items")!.GetValue(v2)!)[0]!;
        Assert.Equal("Item { Name = soap, Unit =  }", read.ToString()); // the retired Count is skipped; Unit was not written

        var withUnit = Activator.CreateInstance(T("Shapes.V2.Item"), "salt", "kg")!;
        ((System.Collections.IList)v2.GetType().GetProperty("Items")!.GetValue(v2)!)[0] = withUnit;
        var back = Activator.CreateInstance(T("Shapes.V1.Store"))!;
        ((ISnapshotableState)back).ReadSnapshot(Write(v2));
        var old = ((System.Collections.IList)back.GetType().GetProperty("Items")!.GetValue(back)!)[0]!;
        Assert.Equal("Item { Name = salt, Count = 0 }", old.ToString()); // slot 2 is skipped by the old shape
    }
}
