using System.Diagnostics;

namespace ZamSync.Sync;

/// <summary>What a probe learned from the responder's handshake.</summary>
/// <param name="Peer">The node that answered.</param>
/// <param name="ProtocolVersion">The sync protocol it speaks.</param>
/// <param name="ContractFingerprint">Its contract fingerprint (empty when it has none).</param>
/// <param name="Holds">What it holds, as far as it shows the prober (under <c>OwnOnly</c> it hides other origins).</param>
/// <param name="RoundTrip">From sending the probe's handshake to receiving the answer.</param>
/// <param name="BytesSent">Wire bytes the probe sent.</param>
/// <param name="BytesReceived">Wire bytes the probe received.</param>
public sealed record SyncProbeResult(NodeId Peer, ushort ProtocolVersion, string ContractFingerprint, VersionVector Holds,
    TimeSpan RoundTrip, long BytesSent, long BytesReceived);

/// <summary>
/// A handshake and nothing else (<c>zamsync ping</c>): measures the round trip and learns who answers, its protocol and
/// contract, without an engine and without making the peer stream a single event. The responder records nothing of the
/// prober (docs/protocol.md, "Probe"). A peer of an earlier protocol-3 build refuses the probe flag as a protocol
/// violation; that refusal is what the caller sees.
/// </summary>
public static class SyncProbe
{
    /// <summary>Sends a probe handshake as <paramref name="self"/> and reads the answer.</summary>
    /// <param name="transport">A connection to the peer (the caller disposes it).</param>
    /// <param name="self">The id the probe presents (over mutual TLS, the one its certificate names).</param>
    /// <param name="timeout">How long to wait for the answer.</param>
    /// <param name="cancellationToken">Stops the probe.</param>
    /// <exception cref="SyncRefusedException">The peer refused the probe (its reason is on the exception).</exception>
    /// <exception cref="SyncTimeoutException">No answer within <paramref name="timeout"/>.</exception>
    /// <exception cref="SyncDisconnectedException">The connection closed before an answer.</exception>
    /// <exception cref="SyncProtocolException">The answer was not a responder's handshake.</exception>
    public static async Task<SyncProbeResult> RunAsync(ISyncTransport transport, NodeId self, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        if (self.IsEmpty) throw new ArgumentException("A probe needs a non-zero id.", nameof(self));
        long sent0 = transport.BytesSent, received0 = transport.BytesReceived;
        var hello = new HandshakeMessage(SyncMessageCodec.ProtocolVersion, self, SyncRole.Initiator, "", 0, new VersionVector(), "", HandshakeFlags.Probe);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        long started = Stopwatch.GetTimestamp();
        ReadOnlyMemory<byte>? reply;
        try
        {
            await transport.SendAsync(SyncMessageCodec.ToBytes(hello), deadline.Token).ConfigureAwait(false);
            reply = await transport.ReceiveAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SyncTimeoutException($"The peer did not answer the probe within {timeout}.", ex);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            throw new SyncDisconnectedException($"The connection broke before the peer answered the probe: {ex.Message}", ex);
        }
        var roundTrip = Stopwatch.GetElapsedTime(started);
        if (reply is not { } bytes) throw new SyncDisconnectedException("The peer closed the connection without answering the probe.");
        switch (SyncMessageCodec.Read(bytes))
        {
            case RefuseMessage refused:
                throw new SyncRefusedException($"The peer refused the probe: {refused.Detail}.", refused.Reason);
            case HandshakeMessage { Role: SyncRole.Responder } answer:
                return new SyncProbeResult(answer.NodeId, answer.ProtocolVersion, answer.ContractFingerprint, answer.Holds, roundTrip,
                    transport.BytesSent - sent0, transport.BytesReceived - received0);
            case var other:
                throw new SyncProtocolException($"The peer answered the probe with {other.Kind}, not a responder's handshake.");
        }
    }
}
