using System.Text;
using ZamSync.Tests.Support;

namespace ZamSync.Tests.Engine;

/// <summary>
/// Two sessions delivering the same events at once: the second found them queued by the first and skipped
/// them as held, so it acknowledged them before they were durable (a crash then lost what was acknowledged).
/// An ingest now returns only when every event of its batch is durable, whoever wrote it.
/// </summary>
public abstract class ConcurrentIngestDurabilitySuite : StoreSuite
{
    [Fact]
    public async Task An_ingest_that_skips_events_another_ingest_queued_returns_only_once_they_are_durable()
    {
        using var temp = new TempDirectory("ingest-dup");
        await using var engine = await OpenAsync(temp.Sub("hub"), 1);
        var origin = new NodeId(7);
        var payload = Encoding.UTF8.GetBytes(new string('p', 8_000)); // large batches keep the write in flight
        ulong next = 1;
        for (int round = 0; round < 20; round++)
        {
            var batch = Enumerable.Range(0, 100)
                .Select(i => new EventEnvelope(origin, next + (ulong)i, new Hlc(1_000 + (long)next + i, 0), 1, payload)).ToArray();
            next += (ulong)batch.Length;

            var first = engine.IngestAsync(batch, origin, CancellationToken.None);   // queued, being written
            await engine.IngestAsync(batch, new NodeId(8), CancellationToken.None);  // the same events from a relay
            Assert.Equal(next - 1, engine.Known[origin]);                             // durable when it returned
            await first;
        }
    }
}
