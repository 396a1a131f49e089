using System.Reflection;
using ZamSync.Generators.Tests.Infrastructure;

namespace ZamSync.Generators.Tests;

/// <summary>
/// [ZamState(Snapshots = true)] end to end: compiled in memory with the generator, loaded, and run: a snapshot
/// restores an equal state, older and newer snapshots read across versions, and a real engine reopens from
/// state.snapshot and from a compacted log's base.
/// </summary>
public class SnapshotTests
{
    // Test-only access to the private Apply, and the engine scenarios, compiled into the same assembly.
    private const string Driver = """
        using System.IO;
        using System.Threading.Tasks;
        using ZamSync;
        using ZamSync.Testing;
        namespace Ledger
        {
            public partial class LedgerState
            {
                public void Post(Posted e) => Apply(e);
            }

            public static class Scenarios
            {
                private static readonly ZamEngineOptions Options = new() { ContractFingerprint = ZamSync.Generated.ZamContracts.Fingerprint };

                private static string Show(LedgerState s) => s.Describe() + " #" + s.AppliedHere;

                /// <summary>Submit, close, reopen: the reopened state is read from state.snapshot, not replayed.</summary>
                public static async Task<string[]> ReopenAsync(string directory)
                {
                    string before, after, next;
                    await using (var engine = await ZamEngine<LedgerState>.OpenAsync(directory, new NodeId(3), Options))
                    {
                        await engine.SubmitAsync(new Posted("cash", 100, Kind.Credit));
                        await engine.SubmitAsync(new Posted("Bank", 40, Kind.Debit));
                        await engine.SubmitAsync(new Posted("CASH", 5, Kind.Debit));
                        before = engine.Read(Show);
                    }
                    await using (var engine = await ZamEngine<LedgerState>.OpenAsync(directory, new NodeId(3), Options))
                    {
                        after = engine.Read(Show);
                        await engine.SubmitAsync(new Posted("bank", 1, Kind.Credit));
                        next = engine.Read(Show);
                    }
                    return [before, after, next];
                }

                /// <summary>A compacts what B holds, loses its state.snapshot, and reopens from the log's base.</summary>
                public static async Task<string[]> CompactAsync(string dirA, string dirB)
                {
                    string before, compacted, reopened, next;
                    int dropped;
                    await using (var b = await ZamEngine<LedgerState>.OpenAsync(dirB, new NodeId(2), Options))
                    await using (var a = await ZamEngine<LedgerState>.OpenAsync(dirA, new NodeId(1), Options))
                    {
                        await a.SubmitAsync(new Posted("cash", 100, Kind.Credit));
                        await a.SubmitAsync(new Posted("bank", 30, Kind.Debit));
                        var (ta, tb) = InMemoryTransport.CreatePair();
                        await using (ta)
                        await using (tb)
                        {
                            var serving = b.CreateSession(tb).ServeOneAsync(a.NodeId);
                            await a.CreateSession(ta).SyncAsync(b.NodeId);
                            await serving;
                        }
                        before = a.Read(Show);
                        dropped = (await a.CompactAsync()).EventsDropped;
                        compacted = a.Read(s => s.Describe());
                    }
                    string snapshotFile = Path.Combine(dirA, "state.snapshot");
                    if (!File.Exists(snapshotFile)) return ["no state.snapshot"];
                    File.Delete(snapshotFile);
                    await using (var a = await ZamEngine<LedgerState>.OpenAsync(dirA, new NodeId(1), Options))
                    {
                        reopened = a.Read(Show);
                        await a.SubmitAsync(new Posted("cash", 7, Kind.Debit));
                        next = a.Read(Show);
                    }
                    return [before, dropped.ToString(), compacted, reopened, next];
                }
            }
        }
        """;

    // Two releases of one state: V2 added a member in slot 2 and retired V1's slot 1.
    private const string Versions = """
        using System.Collections.Generic;
        using ZamSync;
        namespace V1
        {
            [ZamEvent(200)] public partial record Noted(string Text);
            [ZamState(Snapshots = true)]
            public partial class Notes
            {
                [ZamMember(0)] public List<string> Texts { get; } = new();
                [ZamMember(1)] public int Legacy { get; set; }
                void Apply(Noted e) => Texts.Add(e.Text);
                public void Reset() { Texts.Clear(); Legacy = 0; }
            }
        }
        namespace V2
        {
            [ZamState(Snapshots = true)]
            public partial class Notes
            {
                [ZamMember(0)] public List<string> Texts { get; } = new();
                [ZamMember(2)] public string Title { get; set; } = "untitled";
                void Apply(V1.Noted e) => Texts.Add(e.Text);
                public void Reset() { Texts.Clear(); Title = "untitled"; }
            }
        }
        """;

    private static readonly Lazy<Assembly> Loaded = new(() => TestCompiler.LoadGenerated("Snapshots", Contracts.Ledger, Driver, Versions));

    private static Type T(string name) => Loaded.Value.GetType(name, throwOnError: true)!;

    private static object New(string type, params object?[] args) => Activator.CreateInstance(T(type), args)!;

    private static object? Call(object o, string method, params object?[] args) => o.GetType().GetMethod(method)!.Invoke(o, args);

    private static object? Get(object o, string property) => o.GetType().GetProperty(property)!.GetValue(o);

    private static byte[] Write(object state)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        ((ISnapshotableState)state).WriteSnapshot(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static object Filled()
    {
        var state = New("Ledger.LedgerState");
        var kind = T("Ledger.Kind");
        Call(state, "Post", New("Ledger.Posted", "cash", 100L, Enum.ToObject(kind, 0)));
        Call(state, "Post", New("Ledger.Posted", "Bank", 40L, Enum.ToObject(kind, 1)));
        Call(state, "Post", New("Ledger.Posted", "CASH", 5L, Enum.ToObject(kind, 1)));
        return state;
    }

    [Fact]
    public void A_snapshot_read_into_a_fresh_state_gives_an_equal_state()
    {
        var state = Filled();
        var fresh = New("Ledger.LedgerState");

        ((ISnapshotableState)fresh).ReadSnapshot(Write(state));

        Assert.Equal("Bank=-40,cash=95|3|Posted { Account = cash, Amount = 100, Kind = Credit };Posted { Account = Bank, Amount = 40, Kind = Debit };"
            + "Posted { Account = CASH, Amount = 5, Kind = Debit }|CASH|100/45|2024-01-01|Bank,CASH,cash", Call(fresh, "Describe"));
        Assert.Equal(Call(state, "Describe"), Call(fresh, "Describe"));
        Assert.Equal(0, Get(fresh, "AppliedHere")); // private data is not in the snapshot
        Assert.Equal(Write(state), Write(fresh));
    }

    [Fact]
    public void Reading_replaces_the_whole_state_and_keeps_the_collections_and_their_comparer()
    {
        var fresh = Filled();
        var balances = Get(fresh, "Balances");
        Call(fresh, "Post", New("Ledger.Posted", "other", 1L, Enum.ToObject(T("Ledger.Kind"), 0)));

        ((ISnapshotableState)fresh).ReadSnapshot(Write(Filled()));

        Assert.Equal(Call(Filled(), "Describe"), Call(fresh, "Describe"));
        Assert.Same(balances, Get(fresh, "Balances"));
        Assert.Equal(95L, ((Dictionary<string, long>)balances!)["CASH"]); // still OrdinalIgnoreCase
    }

    [Fact]
    public void The_snapshot_uses_the_version_tolerant_object_layout()
    {
        var bytes = Write(New("Ledger.LedgerState"));

        Assert.Equal(8, bytes[0]); // object header: 8 slots
        Assert.Equal(0, bytes[3]); // slot 2 is retired: zero bytes
    }

    [Fact]
    public void An_older_snapshot_is_read_by_a_newer_state_and_back()
    {
        var v1 = New("V1.Notes");
        ((List<string>)Get(v1, "Texts")!).AddRange(["a", "b"]);
        v1.GetType().GetProperty("Legacy")!.SetValue(v1, 42);
        var v2 = New("V2.Notes");
        v2.GetType().GetProperty("Title")!.SetValue(v2, "kept?");

        ((ISnapshotableState)v2).ReadSnapshot(Write(v1));
        Assert.Equal(["a", "b"], (List<string>)Get(v2, "Texts")!);
        Assert.Equal("untitled", Get(v2, "Title")); // a slot the old snapshot lacks keeps what Reset() left

        v2.GetType().GetProperty("Title")!.SetValue(v2, "new");
        var back = New("V1.Notes");
        ((ISnapshotableState)back).ReadSnapshot(Write(v2));
        Assert.Equal(["a", "b"], (List<string>)Get(back, "Texts")!);
        Assert.Equal(0, Get(back, "Legacy")); // V2 left the retired slot empty; its slot 2 is skipped
    }

    [Fact]
    public async Task An_engine_reopens_from_the_generated_snapshot_without_replaying_the_log()
    {
        string directory = Path.Combine(Path.GetTempPath(), "zamsync-snap-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = await (Task<string[]>)T("Ledger.Scenarios").GetMethod("ReopenAsync")!.Invoke(null, [directory])!;

            Assert.EndsWith(" #3", result[0]);
            Assert.Equal(result[0].Replace(" #3", " #0"), result[1]); // equal state, nothing re-applied
            Assert.EndsWith(" #1", result[2]);
            Assert.StartsWith("Bank=-39,cash=95|4|", result[2]);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_compacted_log_reopens_from_its_generated_base_snapshot()
    {
        string root = Path.Combine(Path.GetTempPath(), "zamsync-compact-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = await (Task<string[]>)T("Ledger.Scenarios").GetMethod("CompactAsync")!
                .Invoke(null, [Path.Combine(root, "a"), Path.Combine(root, "b")])!;

            Assert.True(result.Length == 5, string.Join(" / ", result));
            var (before, dropped, compacted, reopened, next) = (result[0], result[1], result[2], result[3], result[4]);
            Assert.Equal("2", dropped);
            Assert.Equal(before, compacted + " #2");
            Assert.Equal(compacted + " #0", reopened); // the state came from the base snapshot
            Assert.StartsWith("bank=-30,cash=93|3|", next);
            Assert.EndsWith(" #1", next);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
