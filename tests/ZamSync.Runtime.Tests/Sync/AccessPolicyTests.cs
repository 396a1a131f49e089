using ZamSync.Sync;
using ZamSync.Tests.Support;
using ZamSync.Testing;

namespace ZamSync.Tests.Sync;

/// <summary>A hub serving <see cref="AccessPolicy.OwnOnly"/> keeps tenants apart in both directions.</summary>
public class AccessPolicyTests
{
    private static void OwnOnly(SyncSession s) => s.WithAccessPolicy(AccessPolicy.OwnOnly);

    /// <summary>
    /// A clinic that synced while the hub served every origin holds other clinics' events. Switched to OwnOnly, the hub
    /// used to refuse it forever ("may only send its own events"), stranding its new events; now the clinic offers only
    /// its own, nothing is refused, and switching back to All relays everything again (issue 10, "OwnOnly stranding").
    /// </summary>
    [Fact]
    public async Task Switching_a_hub_from_All_to_OwnOnly_and_back_strands_no_clinic()
    {
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 100);
        await using var clinic1 = await Nodes.OpenAsync(dir.Sub("clinic1"), 1);
        await using var clinic2 = await Nodes.OpenAsync(dir.Sub("clinic2"), 2);
        await Sessions.SubmitConcurrentlyAsync(clinic1, 3, "c1");
        await Sessions.SubmitConcurrentlyAsync(clinic2, 4, "c2");
        (await Sessions.RunAsync(clinic2, hub)).Require();
        (await Sessions.RunAsync(clinic1, hub)).Require();
        Assert.Equal(4UL, clinic1.Known[clinic2.NodeId]); // clinic 1 now holds a foreign origin

        // The hub switches to OwnOnly; clinic 2 records more before clinic 1 visits, so clinic 1 lacks some of origin 2.
        await Sessions.SubmitConcurrentlyAsync(clinic1, 2, "c1-late");
        await Sessions.SubmitConcurrentlyAsync(clinic2, 1, "c2-late");
        var (toOwnOnly, served) = (await Sessions.RunAsync(clinic1, hub, configureResponder: OwnOnly)).Require();
        (await Sessions.RunAsync(clinic2, hub, configureResponder: OwnOnly)).Require();

        Assert.Equal(2, toOwnOnly.EventsSent);
        Assert.Equal(2, served.EventsReceived);
        Assert.Equal(5UL, hub.Known[clinic1.NodeId]);
        Assert.Equal(4UL, clinic1.Known[clinic2.NodeId]); // OwnOnly relays nothing foreign

        // Back to All: everyone converges.
        (await Sessions.RunAsync(clinic1, hub)).Require();
        (await Sessions.RunAsync(clinic2, hub)).Require();
        Assert.Equal(hub.Known, clinic1.Known);
        Assert.Equal(hub.Known, clinic2.Known);
        Assert.Equal(hub.State.Hash(), clinic1.State.Hash());
        Assert.Equal(hub.State.Hash(), clinic2.State.Hash());
    }

    [Fact]
    public async Task Under_OwnOnly_a_clinic_receives_only_the_events_it_originated()
    {
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 100);
        await using var clinic2 = await Nodes.OpenAsync(dir.Sub("clinic2"), 2);
        await Sessions.SubmitConcurrentlyAsync(hub, 3, "hub");
        await Sessions.SubmitConcurrentlyAsync(clinic2, 4, "c2");
        var clinic1Events = new List<string>();
        await using (var clinic1 = await Nodes.OpenAsync(dir.Sub("clinic1"), 1))
        {
            await Sessions.SubmitConcurrentlyAsync(clinic1, 5, "c1");
            (await Sessions.RunAsync(clinic1, hub, configureResponder: OwnOnly)).Require();
            (await Sessions.RunAsync(clinic2, hub, configureResponder: OwnOnly)).Require();
            Assert.Equal(5UL, hub.Known[new NodeId(1)]);
            Assert.Equal(4UL, hub.Known[new NodeId(2)]);

            // A second visit: the hub now holds origin 2 and its own events too, and sends none of them.
            var (again, _) = (await Sessions.RunAsync(clinic1, hub, configureResponder: OwnOnly)).Require();
            Assert.Equal(0, again.EventsReceived);
            Assert.Equal([clinic1.NodeId], clinic1.Known.Origins);
            clinic1Events.AddRange(clinic1.State.Entries);
        }

        // Clinic 1 is reinstalled (same id, empty disk) and restores from the hub: it gets its own events back,
        // and nothing of anyone else.
        await using var restored = await Nodes.OpenAsync(dir.Sub("clinic1-restored"), 1);
        var (client, server) = (await Sessions.RunAsync(restored, hub, configureResponder: OwnOnly)).Require();

        Assert.Equal(5, client.EventsReceived);
        Assert.Equal(5, server.EventsSent);
        Assert.Equal([restored.NodeId], restored.Known.Origins);
        Assert.Equal(5UL, restored.Known[restored.NodeId]);
        Assert.All(restored.ReadAllEvents(), e => Assert.Equal(restored.NodeId, e.Origin));
        Assert.Equal(clinic1Events, restored.State.Entries);
        // It learned nothing of the other origins either: what it recorded about the hub names only origin 1.
        Assert.Equal([restored.NodeId], restored.PeerKnowledge(hub.NodeId).Origins);
    }

    [Fact]
    public async Task Under_OwnOnly_a_clinic_sending_another_origins_events_is_a_protocol_error()
    {
        // A current clinic offers only its own events to an OwnOnly hub; this one reads the hub's handshake as an older
        // protocol-3 node would (without slot 11), so it offers what the hub's vector seems to lack, and the hub holds firm.
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 100);
        await using var clinic1 = await Nodes.OpenAsync(dir.Sub("clinic1"), 1);
        await using var clinic2 = await Nodes.OpenAsync(dir.Sub("clinic2"), 2);
        await Sessions.SubmitConcurrentlyAsync(clinic1, 3, "c1");
        await Sessions.SubmitConcurrentlyAsync(clinic2, 4, "c2");
        (await Sessions.RunAsync(clinic1, clinic2)).Require(); // clinic 1 now holds origin 2's events

        var (left, right) = InMemoryTransport.CreatePair();
        var old = new WithoutOwnEventsOnly(left);
        var serving = Sessions.RunSideAsync(right, () => hub.CreateSession(right).WithAccessPolicy(AccessPolicy.OwnOnly).ServeOneAsync(clinic1.NodeId));
        var syncing = Sessions.RunSideAsync(old, () => clinic1.CreateSession(old).SyncAsync(hub.NodeId));
        var outcome = new SessionOutcome(null, (await syncing.WaitAsync(Sessions.Guard)).Error, null, (await serving.WaitAsync(Sessions.Guard)).Error);

        var hubError = Assert.IsType<SyncProtocolException>(outcome.ResponderError);
        Assert.Contains("may only send its own events", hubError.Message);
        Assert.Contains($"{clinic2.NodeId}#", hubError.Message);
        // The clinic is told why, not just that the connection closed.
        var clinicError = Assert.IsType<SyncRefusedException>(outcome.InitiatorError);
        Assert.Contains("may only send its own events", clinicError.Message);
        Assert.Equal(0UL, hub.Known[clinic2.NodeId]);
        Assert.Equal(0, hub.State.Entries.Count(e => e.StartsWith("2#", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Under_All_the_hub_relays_every_origin()
    {
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 100);
        await using var clinic1 = await Nodes.OpenAsync(dir.Sub("clinic1"), 1);
        await using var clinic2 = await Nodes.OpenAsync(dir.Sub("clinic2"), 2);
        await Sessions.SubmitConcurrentlyAsync(hub, 2, "hub");
        await Sessions.SubmitConcurrentlyAsync(clinic1, 3, "c1");
        await Sessions.SubmitConcurrentlyAsync(clinic2, 4, "c2");

        (await Sessions.RunAsync(clinic1, hub)).Require();
        (await Sessions.RunAsync(clinic2, hub)).Require();
        (await Sessions.RunAsync(clinic1, hub)).Require();

        Assert.Equal(hub.Known, clinic1.Known);
        Assert.Equal(hub.Known, clinic2.Known);
        Assert.Equal(9, clinic1.State.Count);
        Assert.Equal(hub.State.Hash(), clinic1.State.Hash());
        Assert.Equal(hub.State.Hash(), clinic2.State.Hash());
    }

    [Fact]
    public async Task A_hub_that_dials_a_clinic_under_OwnOnly_reveals_no_other_origin()
    {
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 100);
        await using var clinic1 = await Nodes.OpenAsync(dir.Sub("clinic1"), 1);
        await using var clinic2 = await Nodes.OpenAsync(dir.Sub("clinic2"), 2);
        await Sessions.SubmitConcurrentlyAsync(hub, 3, "hub");
        await Sessions.SubmitConcurrentlyAsync(clinic1, 2, "c1");
        await Sessions.SubmitConcurrentlyAsync(clinic2, 4, "c2");
        (await Sessions.RunAsync(clinic2, hub, configureResponder: OwnOnly)).Require();

        // This time the hub initiates (it dials out to the clinic), with the same policy.
        var (hubSide, clinicSide) = (await Sessions.RunAsync(hub, clinic1, configureInitiator: OwnOnly)).Require();

        Assert.Equal(2, hubSide.EventsReceived);
        Assert.Equal(0, clinicSide.EventsReceived);
        Assert.Equal([clinic1.NodeId], clinic1.Known.Origins);
        // Not even the handshake told the clinic which other origins the hub holds, or how much of them.
        Assert.Equal([clinic1.NodeId], clinic1.PeerKnowledge(hub.NodeId).Origins);
    }

    /// <summary>Hands the session every handshake as a peer that predates slot 11 would read it.</summary>
    private sealed class WithoutOwnEventsOnly(ISyncTransport inner) : ISyncTransport
    {
        public int FrameOverhead => inner.FrameOverhead;
        public long BytesSent => inner.BytesSent;
        public long BytesReceived => inner.BytesReceived;
        public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) => inner.SendAsync(message, cancellationToken);

        public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken)
        {
            var received = await inner.ReceiveAsync(cancellationToken);
            if (received is { } bytes && SyncMessageCodec.Read(bytes) is HandshakeMessage { OwnEventsOnly: true } hello)
                return SyncMessageCodec.ToBytes(hello with { OwnEventsOnly = false });
            return received;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
