using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Clinic.Contracts;
using Clinic.Node;
using Clinic.Web;
using Spectre.Console;
using ZamSync;
using ZamSync.Net.Hub;
using ZamSync.Testing;
using ZamSync.Net.Tcp;
using ZamSync.Net.Tls;
using ZamSync.Sync;

namespace Clinic.Demo;

/// <summary>
/// The whole product in one run, on loopback: a hub and clinics with a fresh PKI and mutual TLS; each clinic
/// records a day of work offline; they sync through a simulated 2G link under a byte budget; one transfer is cut
/// and resumed; at the end every node must hold every event exactly once, and the same state.
/// </summary>
public sealed class DemoRunner(IAnsiConsole console, DemoOptions options)
{
    private static readonly NodeId HubId = new(1000);

    private sealed class Site(string name, NodeId id, ZamEngine<ClinicNetworkState> engine, TlsOptions tls)
    {
        public string Name { get; } = name;
        public NodeId Id { get; } = id;
        public ZamEngine<ClinicNetworkState> Engine { get; } = engine;
        public TlsOptions Tls { get; } = tls;
        public long BytesSent { get; set; }
        public long BytesReceived { get; set; }
    }

    // Progress bars redraw in place on a terminal; anywhere else (a pipe, a CI log) they would leave a line per
    // refresh, and fixed-width wrapping would break lines a script reads. So: bars only on a terminal, no wrapping off it.
    private readonly bool _live = console.Profile.Out.IsTerminal && console.Profile.Capabilities.Interactive;

    /// <returns>0 when every node converged, 1 otherwise.</returns>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        if (!console.Profile.Out.IsTerminal) console.Profile.Width = 1000;
        bool keep = options.Keep || options.Directory is not null;
        string root = options.Directory ?? Path.Combine(Path.GetTempPath(), "zamsync-demo-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(root);
        Section("ZamSync clinic network demo");
        console.MarkupLineInterpolated($"Nodes live in [grey]{root}[/]{(keep ? "" : " (removed at the end; --keep keeps them)")}");
        try
        {
            return await RunInAsync(root, cancellationToken);
        }
        finally
        {
            // Nothing is printed after the report when all goes well: scripts read its last line.
            if (!keep)
            {
                try
                {
                    Directory.Delete(root, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    console.MarkupLineInterpolated($"[yellow]Could not remove {root}: {ex.Message}[/]");
                }
            }
        }
    }

    private async Task<int> RunInAsync(string root, CancellationToken cancellationToken)
    {

        // 1. A deployment CA, a hub certificate and one certificate per clinic.
        using var ca = ZamPki.CreateAuthority("District demo");
        var hubTls = Tls(ca, HubId, NodeRole.Hub);
        console.MarkupLine($"[green]PKI[/]   a deployment CA; certificates name hub {HubId} and clinics 1-{options.Clinics}");

        await using var hubEngine = await ZamEngine<ClinicNetworkState>.OpenAsync(Path.Combine(root, "hub"), HubId, NodeDirectory.EngineOptions, cancellationToken);
        await using var hub = new ZamHub(hubEngine, new ZamHubOptions { Listen = "127.0.0.1:0", Transport = new TcpTransportOptions { Tls = hubTls } });
        await hub.StartAsync(cancellationToken);
        await using var link = new LinkSimulator(hub.LocalEndPoint) { OneWayDelay = options.OneWayDelay, BytesPerSecond = options.BytesPerSecond };
        console.MarkupLineInterpolated($"[green]Hub[/]   mutual TLS on {hub.LocalEndPoint}, behind a simulated 2G link");
        console.MarkupLineInterpolated($"      ({options.OneWayDelay.TotalMilliseconds * 2:N0} ms round trip, {options.BytesPerSecond * 8 / 1000} kbit/s each way)");
        await using var web = await StartDashboardAsync(root, hubEngine, hub, hubTls, cancellationToken);

        var sites = new List<Site>();
        try
        {
            // 2. Every clinic works offline first.
            for (int i = 1; i <= options.Clinics; i++)
            {
                var id = new NodeId((ulong)i);
                var engine = await ZamEngine<ClinicNetworkState>.OpenAsync(Path.Combine(root, $"clinic-{i}"), id, NodeDirectory.EngineOptions, cancellationToken);
                var site = new Site($"clinic-{i}", id, engine, Tls(ca, id, NodeRole.Node));
                sites.Add(site);
                int recorded = await DemoData.RecordDayAsync(engine, site.Name, options.PatientsPerClinic, seed: i, cancellationToken);
                console.MarkupLineInterpolated($"[blue]{site.Name}[/] works offline: {options.PatientsPerClinic} patients, {recorded} events recorded");
            }

            // 3. The second clinic goes first, and its link drops half-way through the upload.
            console.MarkupLineInterpolated($"Budget: at most [yellow]{options.BudgetBytes:N0} bytes[/] each way per session; the rest waits.");
            Section("a bad start");
            var unlucky = sites[Math.Min(1, sites.Count - 1)];
            link.CutUpstreamAfter = options.BudgetBytes * 4 / 5; // past the TLS handshake, inside the upload
            Print(await SyncRoundAsync([unlucky], link, cancellationToken), hubEngine);
            link.CutUpstreamAfter = null;
            console.MarkupLineInterpolated($"  [yellow]resuming {unlucky.Name}: only what the hub still lacks travels[/]");
            Print(await SyncRoundAsync([unlucky], link, cancellationToken), hubEngine);

            // 4. Everyone syncs, all at once (the hub serves them concurrently), until everyone holds everything.
            for (int round = 1; round <= 12 && !Converged(hubEngine, sites); round++)
            {
                Section($"round {round}: all clinics at once");
                Print(await SyncRoundAsync(sites, link, cancellationToken), hubEngine);
            }

            // The hub counts a session's bytes once it has stored what it learned, which can trail the clinic's return:
            // stopping waits for every session to finish its bookkeeping, so the byte columns are complete.
            await hub.StopAsync(cancellationToken);
            int exit = Report(hubEngine, hub, sites);
            if (options.Keep) await KeepUpAsync(web, cancellationToken);
            return exit;
        }
        finally
        {
            foreach (var site in sites) await site.Engine.DisposeAsync();
        }
    }

    /// <summary>
    /// The hub's dashboard and API in this process, over the hub's engine, on loopback plain HTTP, behind a token file
    /// in the demo's folder. The token is printed too: it is the demo's own, gone with its folder.
    /// </summary>
    private async Task<HubWebHost> StartDashboardAsync(string root, ZamEngine hubEngine, ZamHub hub, TlsOptions hubTls, CancellationToken cancellationToken)
    {
        string tokenFile = Path.Combine(root, ApiTokenFile.DefaultName);
        ApiTokenFile.EnsureExists(tokenFile, HubId.Value);
        var settings = new HubWebHost.Settings(WebEndpoint.Parse("--http", options.Http, tls: false), tokenFile, hubTls, AccessPolicy.All,
            new ConsoleLog(console, TimeProvider.System))
        {
            // The demo's links are budgeted per session; for the chart, a day's budget of a few sessions' worth.
            ClinicBytesPerDay = options.BudgetBytes * 2 * 5,
        };
        var web = await HubWebHost.StartAsync(hubEngine, hub, settings, cancellationToken);
        console.MarkupLineInterpolated($"[green]Dashboard[/] {web.Dashboard} (sign in with the coordinator token {ApiTokenFile.FirstCoordinatorToken(tokenFile)}, from {tokenFile})");
        return web;
    }

    /// <summary>With --keep: the report is out; the hub's engine and dashboard stay up until the command is stopped.</summary>
    private async Task KeepUpAsync(HubWebHost web, CancellationToken cancellationToken)
    {
        console.MarkupLineInterpolated($"The hub's dashboard stays up on {web.Dashboard} (sync has ended; the data is kept). Ctrl+C stops it.");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed record Outcome(Site Site, SyncStats? Stats, Exception? Error);

    /// <summary>Syncs every site in <paramref name="round"/> at once, with a progress bar each on a terminal.</summary>
    private async Task<IReadOnlyList<Outcome>> SyncRoundAsync(IReadOnlyList<Site> round, LinkSimulator link, CancellationToken cancellationToken)
    {
        if (!_live) return await Task.WhenAll(round.Select(site => SyncAsync(site, link, null, cancellationToken)));
        IReadOnlyList<Outcome> outcomes = [];
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .StartAsync(async ctx =>
            {
                outcomes = await Task.WhenAll(round.Select(site =>
                    SyncAsync(site, link, ctx.AddTask($"{site.Name} ↔ hub", maxValue: options.BudgetBytes * 2), cancellationToken)));
            });
        return outcomes;
    }

    private async Task<Outcome> SyncAsync(Site site, LinkSimulator link, ProgressTask? task, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await TcpTransport.ConnectAsync(HubId, link.Address, new TcpTransportOptions { Tls = site.Tls }, cancellationToken);
            var progress = new InlineProgress<SyncProgress>(p =>
            {
                if (task is null) return;
                task.Value = p.BytesSent + p.BytesReceived;
                task.Description = $"{site.Name} ↔ hub  ↑{p.EventsSent} ↓{p.EventsReceived} events";
            });
            var stats = await site.Engine.CreateSession(connection)
                .WithMaxBytes(options.BudgetBytes)
                .WithProgress(progress)
                .WithOptions(new SyncOptions { IdleTimeout = TimeSpan.FromSeconds(15) })
                .SyncAsync(HubId, cancellationToken);
            Count(site, stats);
            task?.Value = task.MaxValue;
            return new Outcome(site, stats, null);
        }
        catch (Exception ex) when (ex is IOException or ZamException)
        {
            // A failed session's bytes crossed the link too (and on 2G were paid for): count them as the hub does.
            if (ex is SyncException { Stats: { } partial }) Count(site, partial);
            task?.StopTask();
            return new Outcome(site, null, ex);
        }
    }

    private static void Count(Site site, SyncStats stats)
    {
        site.BytesSent += stats.BytesSent;
        site.BytesReceived += stats.BytesReceived;
    }

    private void Section(string title)
    {
        const int Width = 78;
        string line = $"── {title} ";
        console.WriteLine(line + new string('─', Math.Max(3, Width - line.Length)));
    }

    private void Print(IReadOnlyList<Outcome> outcomes, ZamEngine hubEngine)
    {
        foreach (var (site, stats, error) in outcomes)
        {
            if (stats is null)
            {
                console.MarkupLineInterpolated($"  [blue]{site.Name,-9}[/] [red]link dropped mid-transfer[/]: {error!.Message}");
                console.MarkupLineInterpolated($"            the hub kept what arrived whole: {hubEngine.Known[site.Id]} of {site.Engine.Known[site.Id]} events");
                continue;
            }
            string budget = stats.BudgetExhausted ? "[yellow]budget hit[/]" : "[green]done[/]";
            console.MarkupLine(
                $"  [blue]{site.Name,-9}[/] ↑{stats.EventsSent,3} ↓{stats.EventsReceived,3} events " +
                $"{stats.BytesSent,5:N0} B up {stats.BytesReceived,5:N0} B down {stats.Duration.TotalSeconds,4:N1} s  {budget}");
        }
    }

    private static bool Converged(ZamEngine hub, List<Site> sites) =>
        sites.All(s => s.Engine.Known.Equals(hub.Known)) && sites.All(s => s.Engine.Known.Count == sites.Count);

    private int Report(ZamEngine<ClinicNetworkState> hubEngine, ZamHub hub, List<Site> sites)
    {
        long total = hubEngine.Known.Sum(e => (long)e.Value);
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("node").AddColumn(new TableColumn("events").RightAligned())
            .AddColumn(new TableColumn("bytes sent").RightAligned()).AddColumn(new TableColumn("bytes received").RightAligned())
            .AddColumn("state hash");
        string hubHash = hubEngine.Read(s => s.Digest());
        table.AddRow("hub", Count(hubEngine).ToString("N0", CultureInfo.InvariantCulture),
            hub.Peers.Values.Sum(p => p.BytesSent).ToString("N0", CultureInfo.InvariantCulture),
            hub.Peers.Values.Sum(p => p.BytesReceived).ToString("N0", CultureInfo.InvariantCulture), hubHash);
        foreach (var site in sites)
            table.AddRow(site.Name, Count(site.Engine).ToString("N0", CultureInfo.InvariantCulture),
                site.BytesSent.ToString("N0", CultureInfo.InvariantCulture), site.BytesReceived.ToString("N0", CultureInfo.InvariantCulture),
                site.Engine.Read(s => s.Digest()));
        console.Write(table);
        Reconcile(hub, sites);

        bool sameEvents = sites.All(s => s.Engine.Known.Equals(hubEngine.Known) && Count(s.Engine) == total);
        bool sameState = sites.All(s => s.Engine.Read(st => st.Digest()) == hubHash);
        if (sameEvents && sameState)
        {
            // One short line, so no terminal width wraps it: scripts read the last line.
            console.MarkupLineInterpolated($"converged: yes, {sites.Count + 1} nodes, {total} events each, exactly once, state {hubHash}");
            return 0;
        }
        console.MarkupLineInterpolated($"converged: no (same events: {sameEvents}, same state: {sameState})");
        return 1;
    }

    /// <summary>
    /// Checks that the byte columns add up: every byte a clinic sent, the hub received, and the other way, except what
    /// the cut link dropped in flight (written by one side, never read by the other).
    /// </summary>
    private void Reconcile(ZamHub hub, List<Site> sites)
    {
        long up = sites.Sum(s => s.BytesSent), upArrived = hub.Peers.Values.Sum(p => p.BytesReceived);
        long down = hub.Peers.Values.Sum(p => p.BytesSent), downArrived = sites.Sum(s => s.BytesReceived);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bytes: clinics sent {up:N0}, the hub received {upArrived:N0}; the hub sent {down:N0}, clinics received {downArrived:N0}"));
        long lost = up - upArrived + down - downArrived;
        if (lost != 0) console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"       {lost:N0} B were in flight when the link was cut"));
    }

    /// <summary>Events held, counted by reading them: a duplicate would show up here.</summary>
    private static long Count(ZamEngine engine) =>
        engine.Known.Sum(o => (long)engine.ReadEvents(o.Key).Select(e => e.Sequence).Distinct().Count());

    private static TlsOptions Tls(X509Certificate2 ca, NodeId node, NodeRole role) =>
        new() { Certificate = ZamPki.IssueCertificate(ca, node, role), Authority = ca };
}
