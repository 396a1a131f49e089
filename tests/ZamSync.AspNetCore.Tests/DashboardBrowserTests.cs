using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using ZamSync.AspNetCore.Tests.Support;
using ZamSync.Tests.Support;

namespace ZamSync.AspNetCore.Tests;

/// <summary>
/// The dashboard in a real browser: Debian's chromium driven by Playwright (never a downloaded browser), against a
/// hub with the API and dashboard in one host, after two clinics synced with it over mutual TLS.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    /// <summary>Debian's chromium; ZAMSYNC_CHROMIUM names another binary.</summary>
    private static string Chromium => Environment.GetEnvironmentVariable("ZAMSYNC_CHROMIUM") is { Length: > 0 } set ? set : "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
    ];

    /// <summary>Where the screenshot is kept: TestResults/ beside the test assembly.</summary>
    public static string ScreenshotPath => Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard.png");

    [Fact]
    public async Task Dashboard_shows_the_synced_clinics_their_counts_and_a_new_event_live_without_reloading()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does it) or set ZAMSYNC_CHROMIUM.");
        var clock = Stopwatch.StartNew();
        await using var d = await HubDeployment.StartAsync(budgetBytesPerDay: 20_000);
        // Clinic 11: three events, one of which the hub quarantines; clinic 12: two.
        await d.SubmitAndSyncAsync(HubDeployment.ClinicA, "a-1", "bad-2", "a-3");
        await d.SubmitAndSyncAsync(HubDeployment.ClinicB, "b-1", "b-2");

        using var profile = new TempDirectory("chromium-profile"); // a fresh user data dir: nothing from another run
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile.Path, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
            ViewportSize = new ViewportSize { Width = 1280, Height = 1500 },
            Timeout = 20_000,
        });
        var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
        page.SetDefaultTimeout(10_000);
        var errors = new List<string>();
        page.PageError += (_, message) => errors.Add(message);
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        output.WriteLine($"hub up, clinics synced, browser open: {clock.ElapsedMilliseconds} ms");
        try
        {
            await CheckAsync(d, page, errors, clock);
        }
        catch
        {
            // What the page showed and said when it failed, beside the passing run's screenshot.
            Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
            string failed = Path.Combine(Path.GetDirectoryName(ScreenshotPath)!, "dashboard-failed.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = failed, FullPage = true });
            output.WriteLine($"screenshot of the failure: {failed}");
            foreach (var error in errors) output.WriteLine("page error: " + error);
            throw;
        }
    }

    private async Task CheckAsync(HubDeployment d, IPage page, List<string> errors, Stopwatch clock)
    {

        // No credential yet: the page is the sign-in form. Sign in as the coordinator.
        var first = await page.GotoAsync(new Uri(d.Address, "dashboard/").ToString());
        Assert.Equal(401, first!.Status);
        await page.FillAsync("#token", HubDeployment.CoordinatorToken);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("body[data-ready=true]");
        errors.Clear(); // the sign-in page's own 401 is logged as a failed load; from here on nothing may fail
        await Expect(page.Locator("#connection")).ToHaveTextAsync("live");

        // The clinics, one row each, with what the hub knows of them.
        var rows = page.Locator("#clinics tbody tr[data-node]");
        await Expect(rows).ToHaveCountAsync(2);
        Assert.Equal(["11", "12"], await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.node)"));
        var a = page.Locator("#clinics tr[data-node='11']");
        await Expect(a.Locator(".sessions")).ToHaveTextAsync("1");
        await Expect(a.Locator(".failures")).ToHaveTextAsync("0");
        // Clinic 11 synced before clinic 12 had: it lacks 12's two events. Clinic 12 received 11's three.
        await Expect(a.Locator(".lag-events")).ToHaveTextAsync("2");
        await Expect(page.Locator("#clinics tr[data-node='12'] .lag-events")).ToHaveTextAsync("0");
        await Expect(a.Locator(".budget")).ToContainTextAsync("of 20 kB");
        Assert.NotEqual("never", await a.Locator(".last-sync").InnerTextAsync());

        // The counts: 5 events held (the quarantined one too: stored, never applied), 2 clinics, 1 quarantined, 2 sessions.
        await Expect(page.Locator("#events-total")).ToHaveTextAsync("5");
        await Expect(page.Locator("#clinics-total")).ToHaveTextAsync("2");
        await Expect(page.Locator("#quarantined-total")).ToHaveTextAsync("1");
        await Expect(page.Locator("#sessions-total")).ToHaveTextAsync("2");
        var quarantined = page.Locator("#quarantine tbody tr[data-origin='11']");
        await Expect(quarantined.Locator(".sequence")).ToHaveTextAsync("2");
        await Expect(quarantined.Locator(".reason")).ToContainTextAsync("does not fit the hub's schema");

        // The charts are drawn: today's bars for both clinics under a budget line, and this hour's completed sessions.
        await Expect(page.Locator("#bytes-chart rect[data-node='11']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#bytes-chart rect[data-node='12']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#bytes-chart line.budget")).ToHaveCountAsync(1);
        await Expect(page.Locator("#sessions-chart rect[data-outcome='completed']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#sessions-chart rect[data-outcome='failed']")).ToHaveCountAsync(0);

        // A new event arrives while the page is open: it appears in the live feed and the counts move, with no reload.
        await page.EvaluateAsync("() => { window.zamsyncSamePage = true; }");
        await Expect(page.Locator("#feed li")).ToHaveCountAsync(0);
        await d.SubmitAndSyncAsync(HubDeployment.ClinicB, "b-live");
        var live = page.Locator("#feed li[data-origin='12'][data-sequence='3']");
        await Expect(live).ToHaveCountAsync(1);
        await Expect(live).ToContainTextAsync("clinic 12 #3");
        await Expect(page.Locator("#live-total")).ToHaveTextAsync("1");
        await Expect(page.Locator("#events-total")).ToHaveTextAsync("6");
        // The hub records the session a moment after the event is durable; the page's next refresh (15 s at most) shows it.
        await Expect(page.Locator("#clinics tr[data-node='12'] .sessions")).ToHaveTextAsync("2", new() { Timeout = 20_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.zamsyncSamePage === true"), "the page was reloaded");

        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath, FullPage = true });
        output.WriteLine($"screenshot: {ScreenshotPath}; {clock.ElapsedMilliseconds} ms so far");

        // Browser-side latency of the live feed: one durable submit on the hub at a time, from the submit's start to
        // the page's receipt (both wall clocks of this machine). Printed, not asserted: it measures, it does not judge.
        var latencies = new List<double>();
        for (ulong sequence = 1; sequence <= 20; sequence++)
        {
            double started = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
            await d.Hub.SubmitAsync(1, System.Text.Encoding.UTF8.GetBytes($"hub-{sequence}"));
            var item = page.Locator($"#feed li[data-origin='1'][data-sequence='{sequence}']");
            await Expect(item).ToHaveCountAsync(1);
            latencies.Add(double.Parse((await item.GetAttributeAsync("data-received"))!, System.Globalization.CultureInfo.InvariantCulture) - started);
        }
        latencies.Sort();
        output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"live feed latency, durable submit on the hub to receipt in the page: p50 {latencies[latencies.Count / 2]:N1} ms, max {latencies[^1]:N1} ms (n={latencies.Count})"));
        output.WriteLine($"{clock.ElapsedMilliseconds} ms in all");
        Assert.Empty(errors);
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
