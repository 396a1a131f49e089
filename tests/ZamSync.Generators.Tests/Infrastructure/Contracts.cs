namespace ZamSync.Generators.Tests.Infrastructure;

/// <summary>Representative contracts used across the tests.</summary>
public static class Contracts
{
    /// <summary>The clinic from PRODUCT.md: positional records, implicit slots, a state with both Apply shapes.</summary>
    public const string Clinic = """
        using System;
        using System.Collections.Generic;
        using ZamSync;

        namespace Clinic;

        [ZamEvent(1)]
        public partial record PatientRegistered(string PatientId, string Name, DateOnly BirthDate);

        [ZamEvent(2)]
        public partial record VitalsRecorded(string PatientId, int Systolic, int Diastolic);

        [ZamState]
        public partial class ClinicState
        {
            public Dictionary<string, string> Patients { get; } = new();
            public List<string> Log { get; } = new();

            void Apply(PatientRegistered e, EventContext ctx)
            {
                Patients[e.PatientId] = e.Name;
                Log.Add($"{e.PatientId}@{ctx.Origin.Value}#{ctx.Sequence}");
            }

            void Apply(VitalsRecorded e) => Log.Add($"{e.PatientId}:{e.Systolic}/{e.Diastolic}");

            public void Reset()
            {
                Patients.Clear();
                Log.Clear();
            }
        }
        """;

    /// <summary>Pinned slots with a retired gap, every member kind, a struct event nested in a class event.</summary>
    public const string Shop = """
        using System;
        using System.Collections.Generic;
        using ZamSync;

        namespace Shop;

        public enum Channel : byte { Web, Store }

        [ZamEvent(10)]
        public partial struct LineItem
        {
            [ZamMember(0)] public string Sku { get; set; }
            [ZamMember(1)] public int Quantity { get; set; }
        }

        [ZamEvent(11)]
        public sealed partial class OrderPlaced
        {
            [ZamMember(3)] public Guid OrderId { get; init; }
            [ZamMember(0)] public DateTime At { get; init; }
            [ZamMember(1)] public Channel Channel { get; init; }
            [ZamMember(2)] public decimal? Discount { get; init; }
            // slot 4 is retired
            [ZamMember(5)] public string? Note { get; set; }
            [ZamMember(6)] public int[] Codes { get; set; } = [];
            [ZamMember(7)] public List<LineItem> Lines { get; set; } = new();
            [ZamMember(8)] public Dictionary<string, long> Totals { get; set; } = new();
            [ZamMember(9)] public string[] Tags { get; set; } = [];
            [ZamMember(10)] public DateOnly? ShipBy { get; set; }
            public int Computed => Codes.Length;
        }
        """;
}
