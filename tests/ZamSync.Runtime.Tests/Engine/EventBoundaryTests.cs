using System.Reflection;
using System.Text;
using ZamSync.Diagnostics;
using ZamSync.Tests.Support;
using ZamSync.Wal;

namespace ZamSync.Tests.Engine;

/// <summary>
/// What the engine's edge promises (issue 11): a validator refusal and a sequence hole are their own ZamSync errors,
/// and the events the engine hands out are read-only, so nothing appends past its counting and validation.
/// </summary>
public class EventBoundaryTests
{
    private sealed class RefuseText(string refused) : IEventValidator
    {
        public string? Validate(in EventEnvelope envelope) =>
            Encoding.UTF8.GetString(envelope.Payload.Span) == refused ? $"'{refused}' is not a known ward" : null;
    }

    [Fact]
    public async Task A_submit_the_validator_refuses_fails_with_its_reason_and_stores_nothing()
    {
        using var dir = new TempDirectory();
        await using var engine = await Nodes.OpenAsync(dir.Path, 1, new ZamEngineOptions { Validator = new RefuseText("ward-x") });

        var refused = await Assert.ThrowsAsync<EventRefusedException>(async () => await engine.SubmitAsync(4, Encoding.UTF8.GetBytes("ward-x")));
        Assert.Equal("'ward-x' is not a known ward", refused.Reason);
        Assert.Equal(4u, refused.EventType);
        Assert.Contains(refused.Reason, refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.IsAssignableFrom<ZamException>(refused);
        Assert.Empty(engine.Known);
        Assert.Empty(engine.Events.ReadInFoldOrder());
        Assert.Equal(0, engine.State.Count);

        // The refusal used no sequence: the next accepted event is the node's first.
        var accepted = await engine.SubmitAsync(4, Encoding.UTF8.GetBytes("ward-2"));
        Assert.Equal(1UL, accepted.Sequence);
        Assert.Equal(1UL, engine.Events.HighestSequence(engine.NodeId));
    }

    [Fact]
    public async Task The_events_an_engine_hands_out_cannot_be_appended_to()
    {
        using var dir = new TempDirectory();
        await using var engine = await Nodes.OpenAsync(dir.Path, 1);
        await Nodes.SubmitManyAsync(engine, 2);

        var declared = typeof(ZamEngine).GetProperty(nameof(ZamEngine.Events))!.PropertyType;
        var members = declared.GetInterfaces().Append(declared).SelectMany(t => t.GetMethods());
        Assert.DoesNotContain(members, m => m.Name == nameof(IEventStore.TryAppend));
        // Nor is the object behind it the store, to be cast back to one.
        Assert.IsNotAssignableFrom<IEventStore>(engine.Events);
        Assert.DoesNotContain(engine.Events.GetType().GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance), m => m.Name.Contains("Append", StringComparison.Ordinal));

        Assert.Equal(2, engine.Events.Read(engine.NodeId, 1).Count());
        Assert.Equal(engine.Known[engine.NodeId], engine.Events.Known[engine.NodeId]);
    }

    [Fact]
    public async Task The_store_port_answers_a_hole_with_origin_and_sequences_and_keeps_nothing()
    {
        using var dir = new TempDirectory();
        using var metrics = new ZamMetrics();
        var owner = new NodeId(3);
        var origin = new NodeId(9);
        var store = WalEventStore.Open(dir.Path, owner, new WalOptions(), metrics, _ => { });
        await using (store)
        {
            static StoredEvent E(NodeId o, ulong seq) => new(new EventEnvelope(o, seq, new Hlc(1000 + (long)seq, 0), 1, Encoding.UTF8.GetBytes($"e{seq}")));
            IEventStore port = store;

            Assert.False(port.TryAppend([E(origin, 1), E(origin, 3)], out _, out var hole));
            Assert.Equal(new SequenceHole(origin, 2UL, 3UL), hole);
            Assert.Equal(0UL, port.HighestSequence(origin)); // all or nothing: event 1 was not kept either

            Assert.True(port.TryAppend([E(origin, 1), E(origin, 2)], out var ticket, out _));
            await port.WaitDurableAsync(ticket);
            Assert.Equal(2UL, port.Known[origin]);
        }
    }
}
