using ZamSync.Sync;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Sync;

/// <summary>A hub serving <see cref="AccessPolicy.OwnOnly"/> keeps tenants apart in both directions.</summary>
public class AccessPolicyTests
{
    private static void OwnOnly(SyncSession s) => s.WithAccessPolicy(AccessPolicy.OwnOnly);

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
        using var dir = new TempDirectory();
        await using var hub = await Nodes.OpenAsync(dir.Sub("hub"), 100);
        await using var clinic1 = await Nodes.OpenAsync(dir.Sub("clinic1"), 1);
        await using var clinic2 = await Nodes.OpenAsync(dir.Sub("clinic2"), 2);
        await Sessions.SubmitConcurrentlyAsync(clinic1, 3, "c1");
        await Sessions.SubmitConcurrentlyAsync(clinic2, 4, "c2");
        (await Sessions.RunAsync(clinic1, clinic2)).Require(); // clinic 1 now holds origin 2's events

        var outcome = await Sessions.RunAsync(clinic1, hub, configureResponder: OwnOnly);

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
}
