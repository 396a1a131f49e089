using System.Globalization;
using Clinic.Demo;

namespace Clinic.Tests;

public class DemoTests
{
    [Fact]
    public async Task The_demo_converges_through_a_cut_and_budgets_and_says_so_on_its_last_line()
    {
        var console = new TestConsole();
        // The real story on a faster link, so the test takes seconds; the same code paths run. No directory given:
        // the demo makes a temporary one, says where, and removes it at the end.
        var options = new DemoOptions { OneWayDelay = TimeSpan.FromMilliseconds(20), BytesPerSecond = 200_000 };
        int exit = await new DemoRunner(console.Console, options).RunAsync();

        var lines = console.Output.TrimEnd().Split('\n').Select(l => l.TrimEnd()).ToArray();
        Assert.Equal(0, exit);
        Assert.StartsWith("converged: yes", lines[^1]);
        Assert.Contains(lines, l => l.Contains("link dropped mid-transfer"));
        Assert.Contains(lines, l => l.Contains("budget hit"));
        // Every node holds 3 x 35 events and the same state hash.
        string hash = lines[^1].Split(' ')[^1];
        Assert.Equal(4, lines.Count(l => l.Contains("│") && l.Contains(" 105 ") && l.Contains(hash)));

        // Not a terminal: no progress bar leftovers, and no message broken over two lines.
        Assert.DoesNotContain(lines, l => l.Contains('%'));
        Assert.Contains(lines, l => l.Contains("link dropped mid-transfer: ") && l.EndsWith('.'));

        // The byte columns add up: what one side sent, the other received, but for what the cut dropped in flight.
        var numbers = System.Text.RegularExpressions.Regex.Matches(lines.Single(l => l.StartsWith("bytes: ")), @"\d[\d,]*")
            .Select(m => long.Parse(m.Value.Replace(",", ""), CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(4, numbers.Length);
        long upLost = numbers[0] - numbers[1], downLost = numbers[2] - numbers[3];
        Assert.InRange(upLost, 0, options.BudgetBytes);
        Assert.InRange(downLost, 0, options.BudgetBytes);
        if (upLost + downLost > 0)
            Assert.Contains(lines, l => l.Contains(string.Create(CultureInfo.InvariantCulture, $"{upLost + downLost:N0} B were in flight when the link was cut"), StringComparison.Ordinal));

        string root = lines.Single(l => l.StartsWith("Nodes live in ")).Split(' ')[3];
        Assert.False(Directory.Exists(root), $"the demo left {root} behind");
        Assert.Contains("--keep keeps them", lines.Single(l => l.StartsWith("Nodes live in ")));
    }

    [Fact]
    public async Task With_keep_the_demo_prints_the_dashboard_and_keeps_the_hub_up_until_stopped()
    {
        using var work = new Workspace();
        var console = new TestConsole();
        var options = new DemoOptions { OneWayDelay = TimeSpan.FromMilliseconds(20), BytesPerSecond = 200_000, Keep = true, Directory = work.Dir("demo") };
        using var stop = new CancellationTokenSource();
        var demo = new DemoRunner(console.Console, options).RunAsync(stop.Token);
        await Task.WhenAny(console.WaitForAsync("Ctrl+C stops it."), demo).Unwrap().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(demo.IsCompleted, console.Output);

        var lines = console.Output.TrimEnd().Split('\n').Select(l => l.TrimEnd()).ToArray();
        Assert.StartsWith("converged: yes", lines[^2]);
        var dashboard = System.Text.RegularExpressions.Regex.Match(console.Output, @"Dashboard (http://127\.0\.0\.1:\d+/dashboard/) \(sign in with the coordinator token (\S+), from (\S+)\)");
        Assert.True(dashboard.Success, console.Output);
        Assert.Contains(dashboard.Groups[1].Value, lines[^1]);
        Assert.Equal(dashboard.Groups[2].Value, WebServeTests.Token(dashboard.Groups[3].Value));

        // The report is out and the hub's engine is still open behind the dashboard's API.
        using var client = WebServeTests.Client(new Uri(dashboard.Groups[1].Value), dashboard.Groups[2].Value);
        using var status = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/status"));
        Assert.Equal(105, status.RootElement.GetProperty("events").GetInt64());

        await stop.CancelAsync();
        Assert.Equal(0, await demo.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
