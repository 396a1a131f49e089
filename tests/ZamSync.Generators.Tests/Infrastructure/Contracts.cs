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

    /// <summary>
    /// A state with snapshots: pinned slots with a retired gap, read-only collections (cleared and filled, a
    /// comparer to keep), a private setter, a settable field, events inside a collection, a computed property and
    /// private data that is deliberately not in the snapshot (it shows whether a state was read or replayed).
    /// </summary>
    public const string Ledger = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using ZamSync;

        namespace Ledger;

        public enum Kind : byte { Credit, Debit }

        [ZamEvent(20)]
        public partial record Posted(string Account, long Amount, Kind Kind);

        [ZamState(Snapshots = true)]
        public partial class LedgerState
        {
            [ZamMember(0)] public Dictionary<string, long> Balances { get; } = new(StringComparer.OrdinalIgnoreCase);
            [ZamMember(1)] public int Count { get; private set; }
            // slot 2 is retired
            [ZamMember(3)] public List<Posted> History { get; } = new();
            [ZamMember(4)] public string? LastAccount { get; set; }
            [ZamMember(5)] public long[] Totals = new long[2];
            [ZamMember(6)] public DateOnly? Since { get; private set; }
            [ZamMember(7)] public readonly HashSet<string> Accounts = new();
            public long Net => Totals[0] - Totals[1];
            private int _appliedHere;
            public int AppliedHere => _appliedHere;

            void Apply(Posted e)
            {
                Balances[e.Account] = Balances.GetValueOrDefault(e.Account) + (e.Kind == Kind.Credit ? e.Amount : -e.Amount);
                Count++;
                History.Add(e);
                LastAccount = e.Account;
                Totals[(int)e.Kind] += e.Amount;
                Since ??= new DateOnly(2024, 1, 1);
                Accounts.Add(e.Account);
                _appliedHere++;
            }

            public void Reset()
            {
                Balances.Clear();
                Count = 0;
                History.Clear();
                LastAccount = null;
                Totals = new long[2];
                Since = null;
                Accounts.Clear();
                _appliedHere = 0;
            }

            /// <summary>Everything in the snapshot, in a canonical text.</summary>
            public string Describe() =>
                string.Join(",", Balances.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => b.Key + "=" + b.Value))
                + $"|{Count}|{string.Join(";", History)}|{LastAccount}|{Totals[0]}/{Totals[1]}|{Since:yyyy-MM-dd}|"
                + string.Join(",", Accounts.Order(StringComparer.Ordinal));
        }
        """;
}
