using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary>The example of docs/engine.md, "Without the generator", compiled and run as written there.</summary>
public class RawStateTests
{
    private sealed class AuditChain : ISnapshotableState
    {
        public byte[] Head { get; private set; } = new byte[32];
        public long Count { get; private set; }

        public void Apply(in EventEnvelope e)
        {
            Span<byte> input = stackalloc byte[32 + 16];
            Head.CopyTo(input);
            BinaryPrimitives.WriteUInt64LittleEndian(input[32..], e.Origin.Value);
            BinaryPrimitives.WriteUInt64LittleEndian(input[40..], e.Sequence);
            Head = SHA256.HashData([.. input, .. e.Payload.Span]);
            Count++;
        }

        public void Reset() { Head = new byte[32]; Count = 0; }

        public void WriteSnapshot(IBufferWriter<byte> output)
        {
            var span = output.GetSpan(40);
            Head.CopyTo(span);
            BinaryPrimitives.WriteInt64LittleEndian(span[32..], Count);
            output.Advance(40);
        }

        public void ReadSnapshot(ReadOnlySpan<byte> s) { Head = s[..32].ToArray(); Count = BinaryPrimitives.ReadInt64LittleEndian(s[32..]); }
    }

    [Fact]
    public async Task A_hand_written_state_with_raw_submits_folds_reopens_and_converges()
    {
        using var temp = new TempDirectory("raw");
        byte[] head;
        await using (var node = await ZamEngine<AuditChain>.OpenAsync(temp.Sub("n7"), NodeId.Parse("7"), new AuditChain()))
        await using (var peer = await ZamEngine<AuditChain>.OpenAsync(temp.Sub("n8"), NodeId.Parse("8"), new AuditChain()))
        {
            var e = await node.SubmitAsync(eventType: 1, payload: "hello"u8.ToArray());
            await peer.SubmitAsync(2, "world"u8.ToArray());
            Assert.Equal(1UL, e.Sequence);
            Assert.Equal(1, node.Read(s => s.Count));
            (await Sessions.RunAsync(node, peer)).Require();
            Assert.Equal(2, node.Read(s => s.Count));
            head = node.Read(s => s.Head);
            Assert.Equal(head, peer.Read(s => s.Head));
        }
        await using var reopened = await ZamEngine<AuditChain>.OpenAsync(temp.Sub("n7"), NodeId.Parse("7"), new AuditChain());
        Assert.Equal(head, reopened.Read(s => s.Head));
    }
}
