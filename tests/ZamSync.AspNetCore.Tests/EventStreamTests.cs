using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using ZamSync.AspNetCore.Events;
using ZamSync.AspNetCore.Tests.Support;

namespace ZamSync.AspNetCore.Tests;

public sealed class EventStreamTests
{
    [Fact]
    public async Task The_stream_resumes_from_Last_Event_ID_with_no_gap_or_duplicate()
    {
        await using var d = await ApiDeployment.StartAsync(eventsPerClinic: 10);
        using var client = d.Coordinator();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<EventJson>();

        // First connection: the 20 held events, then 15 that arrive live; then it drops.
        string lastId;
        using (var response = await client.GetAsync("/api/events/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token))
        {
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            var items = SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
            lastId = await TakeAsync(items, 20, received);
            var live = Task.Run(async () => { for (int i = 0; i < 15; i++) await d.Hub.SubmitAsync(1, Encoding.UTF8.GetBytes($"live-{i}")); });
            lastId = await TakeAsync(items, 15, received);
            await live;
            await items.DisposeAsync();
        }

        // While disconnected, 25 more arrive.
        for (int i = 0; i < 25; i++) await d.Hub.SubmitAsync(1, Encoding.UTF8.GetBytes($"offline-{i}"));

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/events/stream"))
        {
            request.Headers.Add("Last-Event-ID", lastId);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var items = SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
            await TakeAsync(items, 25, received);
            await d.Hub.SubmitAsync(1, Encoding.UTF8.GetBytes("after-resume"));
            await TakeAsync(items, 1, received);
            await items.DisposeAsync();
        }

        var keys = received.Select(e => (e.Origin, e.Sequence)).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(20 + 15 + 25 + 1, keys.Count);
        foreach (var origin in received.GroupBy(e => e.Origin))
            Assert.Equal(Enumerable.Range(1, origin.Count()).Select(i => (ulong)i), origin.Select(e => e.Sequence));
        Assert.Equal(41, received.Count(e => e.Origin == ApiDeployment.HubId.ToString()));

        // The last id is the cursor a page reader can continue from too: nothing is left after it.
        var page = await ApiDeployment.GetPageAsync(client, lastIdAfter(received, d), 100);
        Assert.Empty(page.Events);
    }

    [Fact]
    public async Task An_open_stream_ends_when_the_host_stops_so_stopping_does_not_wait_for_it()
    {
        await using var d = await ApiDeployment.StartAsync(eventsPerClinic: 2);
        using var client = d.Coordinator();
        using var response = await client.GetAsync("/api/events/stream", HttpCompletionOption.ResponseHeadersRead);
        var items = SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync().GetAsyncEnumerator();
        await TakeAsync(items, 4, []);

        // Without the host's stopping token the stream would hold the stop for its whole timeout (30 s by default).
        var stopping = d.Api.StopAsync();
        Assert.False(await items.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)), "the stream went on after the host began to stop");
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        await items.DisposeAsync();
    }

    private static string lastIdAfter(List<EventJson> received, ApiDeployment d) =>
        Cursors.EventCursor.Encode(new VersionVector(received.GroupBy(e => NodeId.Parse(e.Origin)).Select(g => new KeyValuePair<NodeId, ulong>(g.Key, g.Max(e => e.Sequence)))));

    /// <summary>Reads <paramref name="count"/> events, checking each id names the event's own place; returns the last id.</summary>
    private static async Task<string> TakeAsync(IAsyncEnumerator<SseItem<string>> items, int count, List<EventJson> into)
    {
        string id = "";
        for (int i = 0; i < count; i++)
        {
            Assert.True(await items.MoveNextAsync(), "the stream ended early");
            var item = items.Current;
            Assert.Equal(EventEndpoints.StreamEventType, item.EventType);
            var e = JsonSerializer.Deserialize<EventJson>(item.Data, JsonSerializerOptions.Web)!;
            Assert.True(Cursors.EventCursor.TryDecode(item.EventId, 4096, out var cursor, out _));
            Assert.Equal(e.Sequence, cursor[NodeId.Parse(e.Origin)]);
            into.Add(e);
            id = item.EventId!;
        }
        return id;
    }
}
