using ZamSync.Sync;
using ZamSync.Tests.Support;
using ZamSync.Testing;

namespace ZamSync.Tests.Sync;

/// <summary>Sessions between incompatible or unexpected peers end at the handshake, on both sides, saying why.</summary>
public class RefusalTests
{
    [Fact]
    public async Task Different_contract_fingerprints_are_refused_on_both_sides_naming_both()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1, new ZamEngineOptions { ContractFingerprint = "contract-v1:abc" });
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2, new ZamEngineOptions { ContractFingerprint = "contract-v2:def" });
        await Nodes.SubmitManyAsync(a, 2, "a");
        await Nodes.SubmitManyAsync(b, 2, "b");

        var outcome = await Sessions.RunAsync(a, b);

        foreach (var error in new[] { outcome.InitiatorError, outcome.ResponderError })
        {
            var refused = Assert.IsType<SyncRefusedException>(error);
            Assert.Equal(RefuseReason.ContractMismatch, refused.Reason); // both sides: ours, and the one the peer sent
            Assert.False(refused.IsTransient);
            Assert.Contains("contract-v1:abc", refused.Message);
            Assert.Contains("contract-v2:def", refused.Message);
            Assert.Contains("contract", refused.Message, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal(0UL, a.Known[b.NodeId]);
        Assert.Equal(0UL, b.Known[a.NodeId]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)] // one byte more: the other parity, so one case cuts the detail inside a character
    public void A_refusal_whose_reason_exceeds_the_detail_limit_still_decodes_as_a_refusal(int prefix)
    {
        // Fingerprints are capped at open, so no handshake produces such a detail today; the codec must
        // still cut an over-long detail on a character boundary rather than send invalid UTF-8.
        var detail = new string('x', prefix) + new string('é', 3000);
        var bytes = SyncMessageCodec.ToBytes(new RefuseMessage(RefuseReason.ContractMismatch, detail));
        var decoded = Assert.IsType<RefuseMessage>(SyncMessageCodec.Read(bytes));
        Assert.StartsWith(decoded.Detail, detail, StringComparison.Ordinal);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(decoded.Detail) <= 4096);
    }

    [Fact]
    public async Task A_fingerprint_too_long_for_the_handshake_is_refused_when_the_engine_opens_or_else_syncs()
    {
        using var dir = new TempDirectory();
        var options = new ZamEngineOptions { ContractFingerprint = new string('f', 1500) };
        ZamEngine<LedgerState> a, b;
        try
        {
            a = await Nodes.OpenAsync(dir.Sub("a"), 1, options);
        }
        catch (ArgumentException)
        {
            return; // refused up front, with a clear error: fine
        }
        await using (a)
        await using (b = await Nodes.OpenAsync(dir.Sub("b"), 2, options))
        {
            await Nodes.SubmitManyAsync(a, 1, "a");
            (await Sessions.RunAsync(a, b)).Require();
            Assert.Equal(1UL, b.Known[a.NodeId]);
        }
    }

    [Fact]
    public async Task Equal_fingerprints_sync()
    {
        using var dir = new TempDirectory();
        var options = new ZamEngineOptions { ContractFingerprint = "contract-v1:abc" };
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1, options);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2, options);
        await Nodes.SubmitManyAsync(a, 2, "a");
        (await Sessions.RunAsync(a, b)).Require();
        Assert.Equal(2UL, b.Known[a.NodeId]);
    }

    [Fact]
    public async Task An_initiator_refuses_a_responder_that_is_not_the_peer_it_dialled()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Nodes.SubmitManyAsync(a, 2, "a");
        await Nodes.SubmitManyAsync(b, 2, "b");

        var outcome = await Sessions.RunAsync(a, b, initiatorExpects: new NodeId(99));

        var mine = Assert.IsType<SyncRefusedException>(outcome.InitiatorError);
        Assert.Contains("expected node 99", mine.Message);
        Assert.Contains("node 2 answered", mine.Message);
        Assert.IsType<SyncRefusedException>(outcome.ResponderError);
        Assert.Equal(0UL, a.Known[b.NodeId]); // nothing from the unexpected node was taken
        Assert.Equal(0UL, b.Known[a.NodeId]);
    }

    [Fact]
    public async Task A_responder_refuses_an_initiator_it_does_not_expect()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 1);
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        await Nodes.SubmitManyAsync(a, 2, "a");

        var outcome = await Sessions.RunAsync(a, b, responderExpects: new NodeId(77));

        Assert.Contains("expected node 77", Assert.IsType<SyncRefusedException>(outcome.ResponderError).Message);
        Assert.Equal(RefuseReason.WrongNode, ((SyncRefusedException)outcome.InitiatorError!).Reason);
        Assert.Contains("expected node 77", Assert.IsType<SyncRefusedException>(outcome.InitiatorError).Message);
        Assert.Equal(0UL, b.Known[a.NodeId]);
    }

    [Fact]
    public async Task Two_nodes_sharing_an_id_refuse_each_other()
    {
        using var dir = new TempDirectory();
        await using var a = await Nodes.OpenAsync(dir.Sub("a"), 5);
        await using var twin = await Nodes.OpenAsync(dir.Sub("twin"), 5);

        var outcome = await Sessions.RunAsync(a, twin);

        Assert.Contains("itself", Assert.IsType<SyncRefusedException>(outcome.ResponderError).Message);
        Assert.IsType<SyncRefusedException>(outcome.InitiatorError);
    }

    [Fact]
    public async Task Another_protocol_version_is_refused_with_a_reason_on_the_wire()
    {
        using var dir = new TempDirectory();
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        var (peer, served) = InMemoryTransport.CreatePair();
        await using var _ = peer;
        var serving = b.CreateSession(served).ServeOneAsync();

        var hello = new HandshakeMessage((ushort)(SyncMessageCodec.ProtocolVersion + 1), new NodeId(1), SyncRole.Initiator, "", 0, new VersionVector());
        await peer.SendAsync(SyncMessageCodec.ToBytes(hello), CancellationToken.None);
        var reply = await peer.ReceiveAsync(CancellationToken.None);

        var refuse = Assert.IsType<RefuseMessage>(SyncMessageCodec.Read(reply!.Value));
        Assert.Equal(RefuseReason.ProtocolVersion, refuse.Reason);
        Assert.Contains("protocol", refuse.Detail);
        await Assert.ThrowsAsync<SyncRefusedException>(() => serving);
        await served.DisposeAsync();
    }

    [Fact]
    public async Task A_peer_claiming_the_wrong_role_is_refused()
    {
        using var dir = new TempDirectory();
        await using var b = await Nodes.OpenAsync(dir.Sub("b"), 2);
        var (peer, served) = InMemoryTransport.CreatePair();
        await using var _ = peer;
        var serving = b.CreateSession(served).ServeOneAsync();

        var hello = new HandshakeMessage(SyncMessageCodec.ProtocolVersion, new NodeId(1), SyncRole.Responder, "", 0, new VersionVector());
        await peer.SendAsync(SyncMessageCodec.ToBytes(hello), CancellationToken.None);
        var reply = await peer.ReceiveAsync(CancellationToken.None);

        Assert.Equal(RefuseReason.WrongNode, Assert.IsType<RefuseMessage>(SyncMessageCodec.Read(reply!.Value)).Reason);
        await Assert.ThrowsAsync<SyncRefusedException>(() => serving);
        await served.DisposeAsync();
    }
}
